//! The plugin driven through `tauri::test` (Tauri's mock runtime, no display): every outcome of
//! a request, notifications in order, cancellation, deadlines, capability denial, the refusal of
//! repeated and stale requests, the end of a page's sessions, and the JSON command.
//!
//! Channel messages are caught by a channel interceptor; waits for them are bounded (a fail-safe
//! against a hang), never a sleep.

use std::{
    sync::mpsc::{Receiver, RecvTimeoutError, channel},
    time::{Duration, Instant},
};

use eventwire::{
    Capabilities, Dispatcher, ErrorCode, FlowyError,
    pb::{
        FfiRequest, FfiResponse, StreamCancel, StreamFrame, StreamRequest, SubscribeObject,
        stream_frame::Kind,
    },
};
use eventwire_conformance_module::pb as cpb;
use prost::Message;
use tauri::{
    Manager, WebviewWindow, WebviewWindowBuilder,
    ipc::{CallbackFn, InvokeBody, InvokeResponseBody, RuntimeAuthority},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets},
    utils::acl::{
        ExecutionContext,
        resolved::{Resolved, ResolvedCommand},
    },
    webview::InvokeRequest,
};
use tauri_plugin_eventwire::{CloseReason, Eventwire};

const WAIT: Duration = Duration::from_secs(20);

struct Harness {
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    frames: Receiver<(u32, Vec<u8>)>,
}

/// Tauri's ACL for the plugin's commands in the window `main`, as the app's capability file
/// `eventwire:default` + `eventwire:allow-invoke-request` resolves to.
fn authority() -> RuntimeAuthority {
    let mut resolved = Resolved::default();
    for command in ["connect", "send", "disconnect", "invoke_request"] {
        resolved.allowed_commands.insert(
            format!("plugin:eventwire|{command}"),
            vec![ResolvedCommand {
                context: ExecutionContext::Local,
                windows: vec![glob::Pattern::new("main").unwrap()],
                ..Default::default()
            }],
        );
    }
    RuntimeAuthority::new(Default::default(), resolved)
}

fn harness(capabilities: Option<&[&str]>) -> Harness {
    let dispatcher = Dispatcher::builder()
        .mount(eventwire_conformance_module::module())
        .runtime(tauri::async_runtime::handle().inner().clone())
        .build()
        .unwrap();
    let mut plugin = tauri_plugin_eventwire::Builder::new(dispatcher);
    if let Some(patterns) = capabilities {
        plugin = plugin.capabilities(
            "main",
            Capabilities::from_patterns(patterns.iter().copied()).unwrap(),
        );
    }
    let (tx, frames) = channel();
    let mut context = mock_context(noop_assets());
    *context.runtime_authority_mut() = authority();
    let app = mock_builder()
        .plugin(plugin.build())
        .channel_interceptor(move |_webview, callback, _index, body| {
            if let InvokeResponseBody::Raw(bytes) = body {
                let _ = tx.send((callback.0, bytes.clone()));
            }
            true
        })
        .build(context)
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        _app: app,
        webview,
        frames,
    }
}

fn invoke(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: InvokeBody,
    session: Option<u64>,
) -> Result<InvokeResponseBody, serde_json::Value> {
    let mut headers = tauri::http::HeaderMap::new();
    if let Some(s) = session {
        headers.insert(
            tauri_plugin_eventwire::SESSION_HEADER,
            s.to_string().parse().unwrap(),
        );
    }
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body,
            headers,
            invoke_key: INVOKE_KEY.into(),
        },
    )
}

impl Harness {
    /// Opens a session whose channel has callback id `channel`.
    fn connect(&self, channel: u32) -> u64 {
        let reply = invoke(
            &self.webview,
            "plugin:eventwire|connect",
            InvokeBody::Json(serde_json::json!({ "channel": format!("__CHANNEL__:{channel}") })),
            None,
        )
        .expect("connect is allowed");
        let value: serde_json::Value = reply.deserialize().unwrap();
        value["session"].as_u64().expect("a session id")
    }

    /// Sends a frame and returns `send`'s answer (for a request: once it is answered).
    fn send_raw(&self, session: Option<u64>, body: Vec<u8>) -> Reply {
        send_raw(&self.webview, session, body)
    }

    fn request(
        &self,
        session: u64,
        id: u64,
        event: &str,
        payload: Vec<u8>,
        timeout_ms: u32,
    ) -> Reply {
        send_raw(
            &self.webview,
            Some(session),
            request_frame(id, event, payload, timeout_ms),
        )
    }

    /// Sends a request from another thread (its answer waits for the request's outcome).
    fn request_async(
        &self,
        session: u64,
        id: u64,
        event: &str,
        payload: Vec<u8>,
    ) -> Receiver<Reply> {
        let webview = self.webview.clone();
        let body = request_frame(id, event, payload, 0);
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(send_raw(&webview, Some(session), body));
        });
        rx
    }

    fn cancel(&self, session: u64, id: u64) -> Reply {
        let frame = StreamFrame {
            kind: Some(Kind::Cancel(StreamCancel { id })),
        };
        self.send_raw(Some(session), frame.encode_to_vec())
    }

    /// The next frame on any channel: (channel callback id, frame).
    fn next(&self) -> (u32, Kind) {
        match self.frames.recv_timeout(WAIT) {
            Ok((channel, bytes)) => (
                channel,
                StreamFrame::decode(bytes.as_slice())
                    .unwrap()
                    .kind
                    .expect("a frame kind"),
            ),
            Err(RecvTimeoutError::Timeout) => panic!("no channel message within {WAIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the channel interceptor is gone"),
        }
    }

    fn state(&self) -> tauri::State<'_, Eventwire> {
        self.webview.state::<Eventwire>()
    }

    /// Waits (bounded) until the plugin's stats satisfy `done`.
    fn wait_stats(&self, done: impl Fn(&tauri_plugin_eventwire::Stats) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(&self.state().stats()) {
            assert!(
                Instant::now() < deadline,
                "stats never got there: {:?}",
                self.state().stats()
            );
            std::thread::yield_now();
        }
    }
}

/// What `send` answered.
#[derive(Debug)]
enum Reply {
    /// A cancel was taken.
    Taken,
    /// The request's response, after `after` channel messages.
    Response {
        id: u64,
        after: u64,
        response: FfiResponse,
    },
    /// The frame was refused.
    Fault { id: u64, error: FlowyError },
}

impl Reply {
    fn ok(self) -> FfiResponse {
        match self {
            Reply::Response { response, .. } => response,
            other => panic!("expected a response, got {other:?}"),
        }
    }
    fn fault(self) -> (u64, FlowyError) {
        match self {
            Reply::Fault { id, error } => (id, error),
            other => panic!("expected a fault, got {other:?}"),
        }
    }
}

fn request_frame(id: u64, event: &str, payload: Vec<u8>, timeout_ms: u32) -> Vec<u8> {
    let request = FfiRequest {
        event: event.into(),
        payload,
    }
    .encode_to_vec();
    StreamFrame {
        kind: Some(Kind::Request(StreamRequest {
            id,
            request,
            timeout_ms,
        })),
    }
    .encode_to_vec()
}

fn send_raw(webview: &WebviewWindow<MockRuntime>, session: Option<u64>, body: Vec<u8>) -> Reply {
    let reply = invoke(
        webview,
        "plugin:eventwire|send",
        InvokeBody::Raw(body),
        session,
    )
    .expect("send is allowed");
    let InvokeResponseBody::Raw(bytes) = reply else {
        panic!("send answers raw bytes")
    };
    if bytes.is_empty() {
        return Reply::Taken;
    }
    let after = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    match StreamFrame::decode(&bytes[8..]).unwrap().kind {
        Some(Kind::Fault(f)) => Reply::Fault {
            id: f.id,
            error: FlowyError::decode(f.error.as_slice()).unwrap(),
        },
        Some(Kind::Response(r)) => Reply::Response {
            id: r.id,
            after,
            response: FfiResponse::decode(r.response.as_slice()).unwrap(),
        },
        other => panic!("send answered {other:?}"),
    }
}

fn error_of(response: &FfiResponse) -> FlowyError {
    assert_eq!(response.code, 1, "an ERR response");
    FlowyError::decode(response.payload.as_slice()).unwrap()
}

fn sleep(millis: u32) -> Vec<u8> {
    cpb::SleepPayloadPb { millis }.encode_to_vec()
}

#[test]
fn a_request_is_answered_by_its_send() {
    let h = harness(None);
    let session = h.connect(7);
    match h.request(session, 1, "Ping", vec![], 0) {
        Reply::Response {
            id,
            after,
            response,
        } => {
            assert_eq!((id, after), (1, 0));
            assert_eq!(response.code, 0);
            assert_eq!(
                cpb::PongPb::decode(response.payload.as_slice())
                    .unwrap()
                    .message,
                "pong"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.state().stats().requests_accepted, 1);
    assert!(
        h.frames.try_recv().is_err(),
        "nothing on the channel for a call without notifications"
    );
}

#[test]
fn every_error_path_comes_back_typed() {
    let h = harness(None);
    let session = h.connect(7);
    // Unknown event, undecodable input, the handler's own error, a panic, a deadline.
    let code = |r: Reply| error_of(&r.ok()).code;
    assert_eq!(
        code(h.request(session, 1, "NoSuchEvent", vec![], 0)),
        ErrorCode::UnknownEvent as i32
    );
    assert_eq!(
        code(h.request(session, 2, "Echo", vec![0xff, 0xff, 0xff], 0)),
        ErrorCode::ProtobufSerde as i32
    );
    let raise = cpb::RaiseErrorPayloadPb {
        code: ErrorCode::RecordNotFound as i32,
        msg: "gone".into(),
        ..Default::default()
    };
    assert_eq!(
        code(h.request(session, 3, "RaiseError", raise.encode_to_vec(), 0)),
        ErrorCode::RecordNotFound as i32
    );
    assert_eq!(
        code(h.request(session, 4, "Panic", vec![], 0)),
        ErrorCode::Internal as i32
    );
    assert_eq!(
        code(h.request(session, 5, "Sleep", sleep(60_000), 50)),
        ErrorCode::RequestTimeout as i32
    );

    // Frames the plugin refuses, each with a typed fault and nothing run.
    let invalid = ErrorCode::InvalidRequest as i32;
    assert_eq!(
        h.send_raw(Some(session), vec![0xff]).fault().1.code,
        invalid,
        "not a StreamFrame"
    );
    assert_eq!(
        h.send_raw(Some(session), vec![]).fault().1.code,
        invalid,
        "no kind"
    );
    let response_frame = StreamFrame {
        kind: Some(Kind::Response(Default::default())),
    }
    .encode_to_vec();
    assert_eq!(
        h.send_raw(Some(session), response_frame).fault().1.code,
        invalid,
        "a backend's frame"
    );
    assert_eq!(
        h.request(session, 0, "Ping", vec![], 0).fault().1.code,
        invalid,
        "id 0"
    );
    let ping = request_frame(9, "Ping", vec![], 0);
    assert_eq!(
        h.send_raw(None, ping.clone()).fault().1.code,
        invalid,
        "no session header"
    );
    let json = invoke(
        &h.webview,
        "plugin:eventwire|send",
        InvokeBody::Json(serde_json::json!({})),
        Some(session),
    )
    .unwrap();
    let InvokeResponseBody::Raw(json) = json else {
        panic!("raw answer")
    };
    let Some(Kind::Fault(fault)) = StreamFrame::decode(&json[8..]).unwrap().kind else {
        panic!("a fault")
    };
    assert_eq!(
        FlowyError::decode(fault.error.as_slice()).unwrap().code,
        invalid,
        "a JSON body"
    );
    let (id, unknown) = h.send_raw(Some(999), ping).fault();
    assert_eq!(
        (id, unknown.code),
        (9, ErrorCode::TransportClosed as i32),
        "an unknown session"
    );
    assert_eq!(h.state().stats().requests_accepted, 5);
}

#[test]
fn a_repeated_request_id_is_refused_and_runs_once() {
    let h = harness(None);
    let session = h.connect(7);
    let emit = cpb::EmitNotificationsPayloadPb {
        count: 1,
        ..Default::default()
    }
    .encode_to_vec();
    assert_eq!(
        h.request(session, 5, "EmitNotifications", emit.clone(), 0)
            .ok()
            .code,
        0
    );
    // Sent again (as Tauri re-sends an invoke), and an older id: refused, not run.
    let (id, again) = h
        .request(session, 5, "EmitNotifications", emit.clone(), 0)
        .fault();
    assert_eq!((id, again.code), (5, ErrorCode::InvalidRequest as i32));
    assert!(again.msg.contains("never run twice"), "{}", again.msg);
    // Ids may arrive out of order (concurrent invokes): an unused lower id is taken, once.
    assert_eq!(
        h.request(session, 4, "EmitNotifications", emit.clone(), 0)
            .ok()
            .code,
        0
    );
    assert_eq!(
        h.request(session, 4, "EmitNotifications", emit.clone(), 0)
            .fault()
            .1
            .code,
        ErrorCode::InvalidRequest as i32
    );
    let stats = h.state().stats();
    assert_eq!((stats.requests_accepted, stats.requests_repeated), (2, 2));
    // One run each: notifications seq 1 and 2; the next request's is seq 3.
    assert!(matches!(h.next(), (7, Kind::Notification(n)) if n.seq == 1));
    assert!(matches!(h.next(), (7, Kind::Notification(n)) if n.seq == 2));
    assert_eq!(
        h.request(session, 6, "EmitNotifications", emit, 0)
            .ok()
            .code,
        0
    );
    assert!(matches!(h.next(), (7, Kind::Notification(n)) if n.seq == 3));
    assert!(h.frames.try_recv().is_err());
}

#[test]
fn an_invoke_sent_again_while_its_request_runs_is_answered_only_after_it() {
    let h = harness(None);
    let session = h.connect(7);
    let first = h.request_async(session, 1, "Sleep", sleep(600_000));
    h.wait_stats(|s| s.requests_accepted == 1);
    // What Tauri's postMessage fallback sends: the same frame as a JSON array of byte values.
    let bytes: Vec<serde_json::Value> = request_frame(1, "Sleep", sleep(600_000), 0)
        .into_iter()
        .map(Into::into)
        .collect();
    let webview = h.webview.clone();
    let (tx, again) = channel();
    std::thread::spawn(move || {
        let reply = invoke(
            &webview,
            "plugin:eventwire|send",
            InvokeBody::Json(serde_json::Value::Array(bytes)),
            Some(session),
        );
        let _ = tx.send(reply);
    });
    h.wait_stats(|s| s.requests_repeated == 1);
    assert!(
        again.try_recv().is_err(),
        "not answered while the first runs"
    );
    // The page goes away: neither is answered while the new page is there; both when the
    // window closes. The request ran once.
    h.state().close_webview("main", CloseReason::PageLoad);
    h.wait_stats(|s| s.answers_withheld == 2);
    assert!(first.try_recv().is_err() && again.try_recv().is_err());
    h.state().close_window("main");
    assert_eq!(
        first.recv_timeout(WAIT).unwrap().fault().1.code,
        ErrorCode::TransportClosed as i32
    );
    let InvokeResponseBody::Raw(again) = again.recv_timeout(WAIT).unwrap().unwrap() else {
        panic!("raw")
    };
    let Some(Kind::Fault(f)) = StreamFrame::decode(&again[8..]).unwrap().kind else {
        panic!("a fault")
    };
    assert_eq!(
        FlowyError::decode(f.error.as_slice()).unwrap().code,
        ErrorCode::InvalidRequest as i32
    );
    assert_eq!(h.state().stats().requests_accepted, 1);
}

#[test]
fn taken_ids_are_remembered_in_bounded_memory() {
    let h = harness(None);
    let session = h.connect(7);
    // 1, 3, 2 in that order: each once; then every one of them again: refused.
    for id in [1, 3, 2] {
        assert_eq!(h.request(session, id, "Ping", vec![], 0).ok().code, 0);
    }
    for id in [1, 2, 3] {
        assert!(matches!(
            h.request(session, id, "Ping", vec![], 0),
            Reply::Fault { .. }
        ));
    }
    assert_eq!(h.state().stats().requests_repeated, 3);
}

#[test]
fn notifications_come_before_the_response_of_the_handler_that_emitted_them() {
    let h = harness(None);
    let session = h.connect(7);
    for round in 0..2u64 {
        let emit = cpb::EmitNotificationsPayloadPb {
            count: 20,
            ..Default::default()
        }
        .encode_to_vec();
        let Reply::Response {
            after, response, ..
        } = h.request(session, round + 1, "EmitNotifications", emit, 0)
        else {
            panic!("a response")
        };
        assert_eq!(response.code, 0);
        // The response names its place: after every notification sent so far on the channel.
        assert_eq!(after, 20 * (round + 1));
        let mut seqs = Vec::new();
        for _ in 0..20 {
            let (channel, Kind::Notification(n)) = h.next() else {
                panic!("a notification")
            };
            assert_eq!(channel, 7);
            let n: SubscribeObject = n;
            let Some(eventwire::pb::subscribe_object::PayloadOneof::Payload(payload)) =
                &n.payload_oneof
            else {
                panic!("a payload")
            };
            assert_eq!(
                cpb::TickPb::decode(payload.as_slice()).unwrap().index as usize,
                seqs.len(),
                "emission order"
            );
            seqs.push(n.seq);
        }
        assert_eq!(
            seqs,
            (20 * round + 1..=20 * (round + 1)).collect::<Vec<u64>>()
        );
    }
}

#[test]
fn cancel_ends_a_request_with_cancelled() {
    let h = harness(None);
    let session = h.connect(7);
    let pending = h.request_async(session, 1, "Sleep", sleep(600_000));
    h.wait_stats(|s| s.requests_accepted == 1);
    assert!(matches!(h.cancel(session, 1), Reply::Taken));
    let reply = pending
        .recv_timeout(WAIT)
        .expect("the cancelled request's answer");
    assert_eq!(error_of(&reply.ok()).code, ErrorCode::Cancelled as i32);
    // Cancelling again, an unknown id, or on an unknown session changes nothing (REQ-TIME-5).
    assert!(matches!(h.cancel(session, 1), Reply::Taken));
    assert!(matches!(h.cancel(session, 77), Reply::Taken));
    assert!(matches!(h.cancel(session + 50, 1), Reply::Taken));
    assert_eq!(h.request(session, 2, "Ping", vec![], 0).ok().code, 0);
}

#[test]
fn the_webviews_capability_set_denies_what_it_does_not_name() {
    let h = harness(Some(&["conformance.Ping"]));
    let session = h.connect(7);
    assert_eq!(h.request(session, 1, "Ping", vec![], 0).ok().code, 0);
    let emit = cpb::EmitNotificationsPayloadPb {
        count: 3,
        ..Default::default()
    }
    .encode_to_vec();
    let Reply::Response {
        after, response, ..
    } = h.request(session, 2, "EmitNotifications", emit, 0)
    else {
        panic!()
    };
    // Denied before the handler: no notification precedes the answer.
    assert_eq!(error_of(&response).code, ErrorCode::PermissionDenied as i32);
    assert_eq!(after, 0);
    assert!(h.frames.try_recv().is_err());
    // The JSON command applies the same set.
    let denied = invoke(
        &h.webview,
        "plugin:eventwire|invoke_request",
        InvokeBody::Json(serde_json::json!({ "request": { "ty": "Echo", "payload": [] } })),
        None,
    )
    .unwrap();
    let denied: eventwire::json_bridge::JsonResponse = denied.deserialize().unwrap();
    assert_eq!(denied.code, 1);
    assert_eq!(
        FlowyError::decode(denied.payload.as_slice()).unwrap().code,
        ErrorCode::PermissionDenied as i32
    );
}

#[test]
fn the_json_command_answers_like_the_json_bridge() {
    let h = harness(None);
    let reply = invoke(
        &h.webview,
        "plugin:eventwire|invoke_request",
        InvokeBody::Json(serde_json::json!({ "request": { "ty": "Ping", "payload": [] } })),
        None,
    )
    .unwrap();
    let reply: serde_json::Value = reply.deserialize().unwrap();
    assert_eq!(
        reply,
        serde_json::json!({ "code": 0, "payload": [10, 4, 112, 111, 110, 103] })
    );
    let bad = invoke(
        &h.webview,
        "plugin:eventwire|invoke_request",
        InvokeBody::Json(serde_json::json!({ "request": { "ty": 5 } })),
        None,
    )
    .unwrap();
    let bad: eventwire::json_bridge::JsonResponse = bad.deserialize().unwrap();
    assert_eq!(
        FlowyError::decode(bad.payload.as_slice()).unwrap().code,
        ErrorCode::InvalidRequest as i32
    );
}

#[test]
fn a_new_page_ends_the_old_pages_sessions_and_nothing_reaches_it() {
    let h = harness(None);
    let old = h.connect(7);
    let in_flight = h.request_async(old, 1, "Sleep", sleep(600_000));
    h.wait_stats(|s| s.requests_accepted == 1);
    // What the plugin does when the webview starts loading a page (reload or navigation).
    h.state().close_webview("main", CloseReason::PageLoad);
    let stats = h.state().stats();
    assert_eq!((stats.sessions_closed, stats.requests_orphaned), (1, 1));
    // The old request was cancelled; its answer is dropped, not sent to whichever page is there.
    h.wait_stats(|s| s.late_messages_dropped == 1);
    // Tauri re-sends the old page's invoke: refused, not run, and not answered while the new
    // page is there.
    let resent = h.request_async(old, 1, "Sleep", sleep(600_000));
    h.wait_stats(|s| s.requests_stale == 1 && s.answers_withheld == 2);
    assert!(
        in_flight.try_recv().is_err() && resent.try_recv().is_err(),
        "no answer reaches the new page"
    );
    assert_eq!(
        h.state().stats().requests_accepted,
        1,
        "the re-sent request did not run"
    );
    // The new page's session works, and its channel is the only one that hears anything.
    let new = h.connect(8);
    assert_ne!(new, old);
    let emit = cpb::EmitNotificationsPayloadPb {
        count: 1,
        ..Default::default()
    }
    .encode_to_vec();
    let Reply::Response { after, .. } = h.request(new, 1, "EmitNotifications", emit, 0) else {
        panic!()
    };
    assert_eq!(after, 1);
    assert!(
        matches!(h.next(), (8, Kind::Notification(n)) if n.seq == 1),
        "numbered from 1 in the new session"
    );
    assert!(h.frames.try_recv().is_err(), "nothing else was sent");
    assert_eq!(h.state().open_sessions(), 1);
    // Closing the window ends the rest, and the withheld answers go (to a webview that is gone).
    h.state().close_window("main");
    assert_eq!(h.state().open_sessions(), 0);
    for reply in [in_flight, resent] {
        let (id, error) = reply
            .recv_timeout(WAIT)
            .expect("answered once the window closed")
            .fault();
        assert_eq!((id, error.code), (1, ErrorCode::TransportClosed as i32));
    }
}

#[test]
fn disconnect_ends_only_the_callers_own_session() {
    let h = harness(None);
    let session = h.connect(7);
    let ended = |s: u64| -> bool {
        invoke(
            &h.webview,
            "plugin:eventwire|disconnect",
            InvokeBody::Json(serde_json::json!({ "session": s })),
            None,
        )
        .unwrap()
        .deserialize()
        .unwrap()
    };
    let pending = h.request_async(session, 1, "Sleep", sleep(600_000));
    h.wait_stats(|s| s.requests_accepted == 1);
    assert!(!ended(session + 100));
    assert!(ended(session));
    assert!(!ended(session), "already ended");
    // The page is still there: its call is answered at once.
    let (_, error) = pending.recv_timeout(WAIT).unwrap().fault();
    assert_eq!(error.code, ErrorCode::TransportClosed as i32);
    assert_eq!(
        h.request(session, 2, "Ping", vec![], 0).fault().1.code,
        ErrorCode::TransportClosed as i32
    );
}

/// `send`'s answer to a handshake frame, as bytes: `after`, then the frame.
fn handshake_reply(h: &Harness, session: Option<u64>, frame: Vec<u8>) -> (u64, Kind) {
    let reply = invoke(
        &h.webview,
        "plugin:eventwire|send",
        InvokeBody::Raw(frame),
        session,
    )
    .expect("send is allowed");
    let InvokeResponseBody::Raw(bytes) = reply else {
        panic!("send answers raw bytes")
    };
    assert!(bytes.len() >= 8, "after, then a frame");
    let after = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    (
        after,
        StreamFrame::decode(&bytes[8..])
            .unwrap()
            .kind
            .expect("a frame kind"),
    )
}

#[test]
fn a_handshake_is_answered_at_once_with_the_backends_own_with_or_without_a_session() {
    use eventwire::pb::StreamHandshake;
    let h = harness(None);
    let ours = h.state().dispatcher().handshake();
    // The conformance module's Ping has SPEC.md section 16.5's worked-example fingerprint.
    let conformance = ours
        .modules
        .iter()
        .find(|m| m.name == "conformance")
        .expect("the conformance module");
    let ping = conformance
        .events
        .iter()
        .find(|e| e.name == "Ping")
        .expect("Ping");
    assert_eq!(
        eventwire::handshake::hex(&ping.fingerprint),
        "aebc1ed25ff2e6421e3bf96b972576a99594fde2c24e1ce2b8b4b2fb1a570e92"
    );
    assert_eq!(ours.protocol_version, 1);

    let session = h.connect(7);
    let front_ends = [
        StreamHandshake::default(),
        StreamHandshake {
            protocol_version: 2,
            modules: vec![],
        },
        ours.clone(),
    ];
    for (i, front_end) in front_ends.into_iter().enumerate() {
        let frame = StreamFrame {
            kind: Some(Kind::Handshake(front_end)),
        }
        .encode_to_vec();
        for s in [None, Some(session)] {
            let (after, kind) = handshake_reply(&h, s, frame.clone());
            assert_eq!(after, 0, "front end {i}, session {s:?}");
            match kind {
                Kind::Handshake(theirs) => assert_eq!(theirs, ours, "front end {i}, session {s:?}"),
                other => panic!("front end {i}, session {s:?}: answered {other:?}"),
            }
        }
    }
    // Nothing was run nor sent on the channel, and requests still work after it.
    assert_eq!(h.state().stats().requests_accepted, 0);
    assert!(
        h.frames.try_recv().is_err(),
        "nothing on the channel for a handshake"
    );
    assert_eq!(
        cpb::PongPb::decode(
            h.request(session, 1, "Ping", vec![], 0)
                .ok()
                .payload
                .as_slice()
        )
        .unwrap()
        .message,
        "pong"
    );
}

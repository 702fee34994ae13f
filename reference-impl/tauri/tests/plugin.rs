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
    pb::{FfiRequest, FfiResponse, StreamCancel, StreamFrame, StreamRequest, SubscribeObject, stream_frame::Kind},
};
use eventwire_conformance_module::pb as cpb;
use prost::Message;
use tauri::{
    Manager, WebviewWindow, WebviewWindowBuilder,
    ipc::{CallbackFn, InvokeBody, InvokeResponseBody, RuntimeAuthority},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets},
    utils::acl::{ExecutionContext, resolved::{Resolved, ResolvedCommand}},
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
        plugin = plugin.capabilities("main", Capabilities::from_patterns(patterns.iter().copied()).unwrap());
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
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    Harness { _app: app, webview, frames }
}

fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str, body: InvokeBody, session: Option<u64>) -> Result<InvokeResponseBody, serde_json::Value> {
    let mut headers = tauri::http::HeaderMap::new();
    if let Some(s) = session {
        headers.insert(tauri_plugin_eventwire::SESSION_HEADER, s.to_string().parse().unwrap());
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

    /// Sends a frame; `None` when it was taken, else the fault's id and error.
    fn send_raw(&self, session: Option<u64>, body: Vec<u8>) -> Option<(u64, FlowyError)> {
        let reply = invoke(&self.webview, "plugin:eventwire|send", InvokeBody::Raw(body), session).expect("send is allowed");
        let InvokeResponseBody::Raw(bytes) = reply else { panic!("send answers raw bytes") };
        if bytes.is_empty() {
            return None;
        }
        match StreamFrame::decode(bytes.as_slice()).unwrap().kind {
            Some(Kind::Fault(f)) => Some((f.id, FlowyError::decode(f.error.as_slice()).unwrap())),
            other => panic!("send answered {other:?}, not a fault"),
        }
    }

    fn request(&self, session: u64, id: u64, event: &str, payload: Vec<u8>, timeout_ms: u32) -> Option<(u64, FlowyError)> {
        let request = FfiRequest { event: event.into(), payload }.encode_to_vec();
        let frame = StreamFrame { kind: Some(Kind::Request(StreamRequest { id, request, timeout_ms })) };
        self.send_raw(Some(session), frame.encode_to_vec())
    }

    fn cancel(&self, session: u64, id: u64) -> Option<(u64, FlowyError)> {
        let frame = StreamFrame { kind: Some(Kind::Cancel(StreamCancel { id })) };
        self.send_raw(Some(session), frame.encode_to_vec())
    }

    /// The next frame on any channel: (channel callback id, frame).
    fn next(&self) -> (u32, Kind) {
        match self.frames.recv_timeout(WAIT) {
            Ok((channel, bytes)) => (channel, StreamFrame::decode(bytes.as_slice()).unwrap().kind.expect("a frame kind")),
            Err(RecvTimeoutError::Timeout) => panic!("no channel message within {WAIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the channel interceptor is gone"),
        }
    }

    fn response(&self, channel: u32, id: u64) -> FfiResponse {
        match self.next() {
            (c, Kind::Response(r)) if c == channel && r.id == id => FfiResponse::decode(r.response.as_slice()).unwrap(),
            other => panic!("expected the response to {id} on channel {channel}, got {other:?}"),
        }
    }

    fn state(&self) -> tauri::State<'_, Eventwire> {
        self.webview.state::<Eventwire>()
    }

    /// Waits (bounded) until the plugin's stats satisfy `done`.
    fn wait_stats(&self, done: impl Fn(&tauri_plugin_eventwire::Stats) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(&self.state().stats()) {
            assert!(Instant::now() < deadline, "stats never got there: {:?}", self.state().stats());
            std::thread::yield_now();
        }
    }
}

fn error_of(response: &FfiResponse) -> FlowyError {
    assert_eq!(response.code, 1, "an ERR response");
    FlowyError::decode(response.payload.as_slice()).unwrap()
}

fn sleep(millis: u32) -> Vec<u8> {
    cpb::SleepPayloadPb { millis, ..Default::default() }.encode_to_vec()
}

#[test]
fn a_request_is_answered_on_the_sessions_channel() {
    let h = harness(None);
    let session = h.connect(7);
    assert_eq!(h.request(session, 1, "Ping", vec![], 0), None, "taken");
    let response = h.response(7, 1);
    assert_eq!(response.code, 0);
    assert_eq!(cpb::PongPb::decode(response.payload.as_slice()).unwrap().message, "pong");
    assert_eq!(h.state().stats().requests_accepted, 1);
}

#[test]
fn every_error_path_comes_back_typed() {
    let h = harness(None);
    let session = h.connect(7);
    // Unknown event, undecodable input, the handler's own error, a panic, a deadline.
    h.request(session, 1, "NoSuchEvent", vec![], 0);
    assert_eq!(error_of(&h.response(7, 1)).code, ErrorCode::UnknownEvent as i32);
    h.request(session, 2, "Echo", vec![0xff, 0xff, 0xff], 0);
    assert_eq!(error_of(&h.response(7, 2)).code, ErrorCode::ProtobufSerde as i32);
    let raise = cpb::RaiseErrorPayloadPb { code: ErrorCode::RecordNotFound as i32, msg: "gone".into(), ..Default::default() };
    h.request(session, 3, "RaiseError", raise.encode_to_vec(), 0);
    assert_eq!(error_of(&h.response(7, 3)).code, ErrorCode::RecordNotFound as i32);
    h.request(session, 4, "Panic", vec![], 0);
    assert_eq!(error_of(&h.response(7, 4)).code, ErrorCode::Internal as i32);
    h.request(session, 5, "Sleep", sleep(60_000), 50);
    assert_eq!(error_of(&h.response(7, 5)).code, ErrorCode::RequestTimeout as i32);

    // Frames the plugin refuses, each with a typed fault and nothing run.
    let invalid = ErrorCode::InvalidRequest as i32;
    assert_eq!(h.send_raw(Some(session), vec![0xff]).unwrap().1.code, invalid, "not a StreamFrame");
    assert_eq!(h.send_raw(Some(session), vec![]).unwrap().1.code, invalid, "no kind");
    let response_frame = StreamFrame { kind: Some(Kind::Response(Default::default())) }.encode_to_vec();
    assert_eq!(h.send_raw(Some(session), response_frame).unwrap().1.code, invalid, "a backend's frame");
    assert_eq!(h.request(session, 0, "Ping", vec![], 0).unwrap().1.code, invalid, "id 0");
    let ping = StreamFrame { kind: Some(Kind::Request(StreamRequest { id: 9, ..Default::default() })) }.encode_to_vec();
    assert_eq!(h.send_raw(None, ping.clone()).unwrap().1.code, invalid, "no session header");
    let json = invoke(&h.webview, "plugin:eventwire|send", InvokeBody::Json(serde_json::json!({})), Some(session)).unwrap();
    let InvokeResponseBody::Raw(json) = json else { panic!("raw answer") };
    let Some(Kind::Fault(fault)) = StreamFrame::decode(json.as_slice()).unwrap().kind else { panic!("a fault") };
    assert_eq!(FlowyError::decode(fault.error.as_slice()).unwrap().code, invalid, "a JSON body");
    let (id, unknown) = h.send_raw(Some(999), ping).unwrap();
    assert_eq!((id, unknown.code), (9, ErrorCode::TransportClosed as i32), "an unknown session");
    assert_eq!(h.state().stats().requests_accepted, 5);
}

#[test]
fn a_repeated_request_id_is_refused_and_runs_once() {
    let h = harness(None);
    let session = h.connect(7);
    let emit = cpb::EmitNotificationsPayloadPb { count: 1, ..Default::default() }.encode_to_vec();
    assert_eq!(h.request(session, 5, "EmitNotifications", emit.clone(), 0), None);
    // Sent again (as Tauri re-sends an invoke), and an older id: refused, not run.
    let (id, again) = h.request(session, 5, "EmitNotifications", emit.clone(), 0).unwrap();
    assert_eq!((id, again.code), (5, ErrorCode::InvalidRequest as i32));
    assert!(again.msg.contains("never run twice"), "{}", again.msg);
    assert!(h.request(session, 4, "EmitNotifications", emit, 0).is_some());
    assert!(matches!(h.next(), (7, Kind::Notification(_))));
    assert_eq!(h.response(7, 5).code, 0);
    let stats = h.state().stats();
    assert_eq!((stats.requests_accepted, stats.requests_repeated), (1, 2));
    // One run: one notification, whose seq is 1. The next request's notification is seq 2.
    assert_eq!(h.request(session, 6, "EmitNotifications", cpb::EmitNotificationsPayloadPb { count: 1, ..Default::default() }.encode_to_vec(), 0), None);
    match h.next() {
        (7, Kind::Notification(n)) => assert_eq!(n.seq, 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn notifications_come_before_the_response_of_the_handler_that_emitted_them() {
    let h = harness(None);
    let session = h.connect(7);
    let emit = cpb::EmitNotificationsPayloadPb { count: 20, ..Default::default() }.encode_to_vec();
    h.request(session, 1, "EmitNotifications", emit, 0);
    let mut seqs = Vec::new();
    loop {
        match h.next() {
            (7, Kind::Notification(n)) => {
                let n: SubscribeObject = n;
                let Some(eventwire::pb::subscribe_object::PayloadOneof::Payload(payload)) = &n.payload_oneof else {
                    panic!("a payload")
                };
                let tick = cpb::TickPb::decode(payload.as_slice()).unwrap();
                assert_eq!(tick.index as usize, seqs.len(), "emission order");
                seqs.push(n.seq);
            }
            (7, Kind::Response(r)) => {
                assert_eq!(r.id, 1);
                assert_eq!(FfiResponse::decode(r.response.as_slice()).unwrap().code, 0);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seqs, (1..=20).collect::<Vec<u64>>(), "all 20, numbered, before the response");
}

#[test]
fn cancel_ends_a_request_with_cancelled() {
    let h = harness(None);
    let session = h.connect(7);
    h.request(session, 1, "Sleep", sleep(600_000), 0);
    assert_eq!(h.cancel(session, 1), None);
    assert_eq!(error_of(&h.response(7, 1)).code, ErrorCode::Cancelled as i32);
    // Cancelling again, or an unknown id, changes nothing (REQ-TIME-5) and the session goes on.
    assert_eq!(h.cancel(session, 1), None);
    assert_eq!(h.cancel(session, 77), None);
    h.request(session, 2, "Ping", vec![], 0);
    assert_eq!(h.response(7, 2).code, 0);
}

#[test]
fn the_webviews_capability_set_denies_what_it_does_not_name() {
    let h = harness(Some(&["conformance.Ping"]));
    let session = h.connect(7);
    h.request(session, 1, "Ping", vec![], 0);
    assert_eq!(h.response(7, 1).code, 0);
    h.request(session, 2, "EmitNotifications", cpb::EmitNotificationsPayloadPb { count: 3, ..Default::default() }.encode_to_vec(), 0);
    // Denied before the handler: no notification precedes the answer.
    assert_eq!(error_of(&h.response(7, 2)).code, ErrorCode::PermissionDenied as i32);
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
    assert_eq!(FlowyError::decode(denied.payload.as_slice()).unwrap().code, ErrorCode::PermissionDenied as i32);
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
    assert_eq!(reply, serde_json::json!({ "code": 0, "payload": [10, 4, 112, 111, 110, 103] }));
    let bad = invoke(
        &h.webview,
        "plugin:eventwire|invoke_request",
        InvokeBody::Json(serde_json::json!({ "request": { "ty": 5 } })),
        None,
    )
    .unwrap();
    let bad: eventwire::json_bridge::JsonResponse = bad.deserialize().unwrap();
    assert_eq!(FlowyError::decode(bad.payload.as_slice()).unwrap().code, ErrorCode::InvalidRequest as i32);
}

#[test]
fn a_new_page_ends_the_old_pages_sessions_and_nothing_reaches_it() {
    let h = harness(None);
    let old = h.connect(7);
    h.request(old, 1, "Sleep", sleep(600_000), 0);
    h.wait_stats(|s| s.requests_accepted == 1);
    // What the plugin does when the webview starts loading a page (reload or navigation).
    h.state().close_webview("main", CloseReason::PageLoad);
    let stats = h.state().stats();
    assert_eq!((stats.sessions_closed, stats.requests_orphaned), (1, 1));
    // The old request was cancelled; its answer is dropped, not sent to whichever page is there.
    h.wait_stats(|s| s.late_messages_dropped == 1);
    // Tauri re-sends the old page's invoke: refused, not run.
    let (id, stale) = h.request(old, 1, "Sleep", sleep(600_000), 0).unwrap();
    assert_eq!((id, stale.code), (1, ErrorCode::TransportClosed as i32));
    assert_eq!(h.state().stats().requests_stale, 1);
    // The new page's session works, and its channel is the only one that hears anything.
    let new = h.connect(8);
    assert_ne!(new, old);
    h.request(new, 1, "Ping", vec![], 0);
    assert_eq!(h.response(8, 1).code, 0);
    assert!(h.frames.try_recv().is_err(), "nothing else was sent");
    assert_eq!(h.state().open_sessions(), 1);
    // Closing the window ends the rest.
    h.state().close_window("main");
    assert_eq!(h.state().open_sessions(), 0);
}

#[test]
fn disconnect_ends_only_the_callers_own_session() {
    let h = harness(None);
    let session = h.connect(7);
    let ended = |s: u64| -> bool {
        invoke(&h.webview, "plugin:eventwire|disconnect", InvokeBody::Json(serde_json::json!({ "session": s })), None)
            .unwrap()
            .deserialize()
            .unwrap()
    };
    assert!(!ended(session + 100));
    assert!(ended(session));
    assert!(!ended(session), "already ended");
    assert_eq!(h.request(session, 1, "Ping", vec![], 0).unwrap().1.code, ErrorCode::TransportClosed as i32);
}

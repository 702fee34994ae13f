//! Limits with safe defaults (SPEC.md section 10), pushed from the untrusted side: each limit
//! holds at its default and when configured, the request over it gets its typed answer without
//! reaching a handler, and the dispatcher serves normally afterwards. The notification queue of
//! a subscriber that never reads stays bounded, whatever is emitted.

mod common;

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use common::{
    Answer, answer, assert_err, assert_serving, config, dispatcher, dispatcher_with, raw_request,
    recursive, request,
};
use eventwire::{
    Config, Context, Dispatcher, ErrorCode as Code, FlowyError, HandlerFuture, Outbound,
    RawHandler, RequestOptions, SessionConfig, TryRecvError,
};
use eventwire_sample_app::reference::notifications;
use eventwire_sample_app::reference::pb;
use eventwire_schema::tables;
use prost::Message;

fn err(answer: Answer, code: Code) {
    assert_err(answer, code, code.category());
}

#[test]
fn the_defaults_are_the_protocols() {
    let c = Config::default();
    assert_eq!(c.max_payload_bytes, 16 * 1024 * 1024);
    assert_eq!(c.max_nesting_depth, 64);
    assert_eq!(c.max_in_flight, 1024);
    assert_eq!(c.default_timeout_ms, 30_000);
    assert_eq!(c.notification_queue, 4096);
    assert_eq!(c.notification_queue_bytes, 64 * 1024 * 1024);
    assert_eq!(c.max_queued_answer_bytes, 64 * 1024 * 1024);
    assert_eq!(c.max_timeout_ms, 3_600_000);
    assert_eq!(c.max_frame_bytes(), 16 * 1024 * 1024 + 65536);
    assert_eq!(Config::from_json(b"{}").unwrap(), c);
}

/// A `Discard` payload (NestedPB) of exactly `len` bytes: field 2 (string) holding 'x's.
fn nested_of_len(len: usize) -> Vec<u8> {
    // tag (1) + varint length (4 bytes for lengths from 2^21 to 2^28) + body.
    let body = len - 1 - prost::length_delimiter_len(len - 5);
    assert_eq!(prost::length_delimiter_len(body), len - 1 - body);
    let payload = pb::NestedPb {
        a: 0,
        b: "x".repeat(body),
    }
    .encode_to_vec();
    assert_eq!(payload.len(), len);
    payload
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_payload_limit_is_16_mib_inclusive() {
    let d = dispatcher();
    let limit = 16 * 1024 * 1024;
    // At the limit: decoded and handled (Discard answers OK, empty).
    assert!(
        matches!(answer(&d.dispatch(&raw_request("Discard", &nested_of_len(limit))).await), Answer::Ok(p) if p.is_empty())
    );
    // One byte over: refused before decoding.
    err(
        answer(
            &d.dispatch(&raw_request("Discard", &nested_of_len(limit + 1)))
                .await,
        ),
        Code::PayloadTooLarge,
    );
    assert_serving(&d).await;
}

/// Counts `start` calls; answers OK at once.
struct Count(Arc<AtomicUsize>);

impl RawHandler for Count {
    fn start(&self, _cx: Context, _payload: &[u8]) -> Result<HandlerFuture, FlowyError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Box::pin(async { Ok(Vec::new()) }))
    }
}

fn counting(config: Config) -> (Dispatcher, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let mut builder = eventwire_sample_app::reference::builder().config(config);
    for event in tables().events() {
        builder = builder.handle_raw(event.name.clone(), Count(Arc::clone(&count)));
    }
    (builder.build().unwrap(), count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_payloads_never_reach_a_handler() {
    let (d, count) = counting(config(
        r#"{"max_payload_bytes": 100, "max_nesting_depth": 5}"#,
    ));
    err(
        answer(&d.dispatch(&raw_request("Echo", &[0u8; 101])).await),
        Code::PayloadTooLarge,
    );
    err(
        answer(&d.dispatch(&request("Nest", recursive(6))).await),
        Code::NestingTooDeep,
    );
    // A group nested 100,000 deep: refused by the depth walk, which stops at the limit instead of
    // recursing through the whole input.
    let mut groups = vec![0x0b; 50]; // 50 start tags of group 1
    groups.extend([0x0c; 50]);
    err(
        answer(&d.dispatch(&raw_request("Echo", &groups)).await),
        Code::NestingTooDeep,
    );
    assert_eq!(count.load(Ordering::SeqCst), 0);
    // At the limits: handled.
    assert!(matches!(
        answer(&d.dispatch(&raw_request("Echo", &[0u8; 0])).await),
        Answer::Ok(_)
    ));
    assert!(matches!(
        answer(&d.dispatch(&request("Nest", recursive(5))).await),
        Answer::Ok(_)
    ));
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_cannot_exhaust_the_stack() {
    // RecursivePB.child (field 2) nested 200,000 deep, built back to front so it costs O(n).
    let levels = 200_000;
    let mut reversed: Vec<u8> = Vec::new();
    for _ in 0..levels {
        let mut header = vec![0x12];
        prost::encoding::encode_varint(reversed.len() as u64, &mut header);
        reversed.extend(header.iter().rev());
    }
    let bytes: Vec<u8> = reversed.into_iter().rev().collect();
    assert!(bytes.len() < 16 * 1024 * 1024);
    let d = dispatcher();
    err(
        answer(&d.dispatch(&raw_request("Nest", &bytes)).await),
        Code::NestingTooDeep,
    );
    // The same depth in unknown groups, for an event without input.
    let mut groups = vec![0x0b; 100_000];
    groups.extend(vec![0x0c; 100_000]);
    err(
        answer(&d.dispatch(&raw_request("Ping", &groups)).await),
        Code::NestingTooDeep,
    );
    assert_serving(&d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nesting_limit_is_64_by_default_and_at_most_100() {
    let d = dispatcher();
    let nest = |levels| request("Nest", recursive(levels));
    let result: pb::NestResultPb = common::assert_ok(answer(&d.dispatch(&nest(64)).await));
    assert_eq!(result.depth, 64);
    err(answer(&d.dispatch(&nest(65)).await), Code::NestingTooDeep);
    let d100 = dispatcher_with(config(r#"{"max_nesting_depth": 100}"#));
    let result: pb::NestResultPb = common::assert_ok(answer(&d100.dispatch(&nest(100)).await));
    assert_eq!(result.depth, 100);
    err(
        answer(&d100.dispatch(&nest(101)).await),
        Code::NestingTooDeep,
    );
    assert!(Config::from_json(br#"{"max_nesting_depth": 101}"#).is_err());
}

/// Holds every request until the gate opens.
struct Gated {
    gate: Arc<tokio::sync::Semaphore>,
    started: Arc<AtomicUsize>,
}

impl RawHandler for Gated {
    fn start(&self, _cx: Context, _payload: &[u8]) -> Result<HandlerFuture, FlowyError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let gate = Arc::clone(&self.gate);
        Ok(Box::pin(async move {
            let _permit = gate
                .acquire()
                .await
                .map_err(|_| FlowyError::new(Code::Internal, "closed"))?;
            Ok(Vec::new())
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_limit_refuses_at_once_and_recovers() {
    for (json, max) in [("{}", 1024usize), (r#"{"max_in_flight": 3}"#, 3)] {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let mut builder = eventwire_sample_app::reference::builder().config(config(json));
        for event in tables().events() {
            builder = builder.handle_raw(
                event.name.clone(),
                Gated {
                    gate: Arc::clone(&gate),
                    started: Arc::clone(&started),
                },
            );
        }
        let d = builder.build().unwrap();
        let (session, mut rx) = d.open_session(SessionConfig::new());
        for id in 1..=max as u64 {
            session.submit(id, raw_request("Ping", &[]), RequestOptions::new());
        }
        while started.load(Ordering::SeqCst) < max {
            tokio::task::yield_now().await;
        }
        assert_eq!(d.in_flight(), max);
        // Over the limit: OVERLOADED, at once, without starting the handler, however many.
        for _ in 0..50 {
            err(
                answer(&d.dispatch(&raw_request("Ping", &[])).await),
                Code::Overloaded,
            );
        }
        assert_eq!(started.load(Ordering::SeqCst), max);
        assert!(
            matches!(rx.try_recv(), Err(TryRecvError::Empty)),
            "a held request was answered"
        );
        // Release: every held request answered OK, exactly once, and the slots are free.
        gate.add_permits(max);
        session.close();
        let mut answered = std::collections::BTreeSet::new();
        while let Some(message) = rx.recv().await {
            let Outbound::Response {
                request_id,
                response,
            } = message
            else {
                continue;
            };
            assert!(matches!(answer(&response), Answer::Ok(_)));
            assert!(
                answered.insert(request_id),
                "request {request_id} answered twice"
            );
        }
        assert_eq!(answered.len(), max);
        assert_eq!(d.in_flight(), 0);
        gate.add_permits(1);
        assert!(matches!(
            answer(&d.dispatch(&raw_request("Ping", &[])).await),
            Answer::Ok(_)
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_never_reads_holds_at_most_its_queue() {
    // 100,000 notifications to a session with the default queue (4096) that reads nothing.
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new());
    let (_other, mut other_rx) = d.open_session(SessionConfig::new().notification_queue(10));
    let notifier = d.notifier();
    let emitted = 100_000u64;
    for i in 0..emitted {
        notifier.notify::<notifications::Tick>(
            "slow",
            &pb::TickPb {
                index: i as u32,
                id: "slow".into(),
            },
        );
    }
    assert_eq!(session.dropped_notifications(), emitted - 4096);
    assert_eq!(rx.dropped_notifications(), emitted - 4096);
    // What is queued is exactly the first 4096, numbered 1..=4096, in emission order; reading
    // the first frees an entry for the drop marker (REQ-NOTIF-17), which comes last and takes
    // the next seq, so the gap before it is the 95,904 drops.
    let mut queued = 0u64;
    let mut marker = None;
    while let Ok(message) = rx.try_recv() {
        let Outbound::Notification {
            seq,
            subscribe_object,
        } = message
        else {
            panic!("a response")
        };
        assert!(marker.is_none(), "nothing after the marker");
        if eventwire::is_drop_marker(&subscribe_object) {
            marker = Some(seq);
            continue;
        }
        queued += 1;
        assert_eq!(seq, queued);
        let object = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
        assert_eq!(object.seq, seq);
        let Some(pb::subscribe_object::PayloadOneof::Payload(p)) = object.payload_oneof else {
            panic!()
        };
        assert_eq!(
            pb::TickPb::decode(p.as_slice()).unwrap().index as u64,
            seq - 1
        );
    }
    assert_eq!(queued, 4096);
    assert_eq!(marker, Some(emitted + 1));
    // Another subscriber's bound is its own: 10 and its marker.
    let mut other = 0;
    while other_rx.try_recv().is_ok() {
        other += 1;
    }
    assert_eq!(other, 11);
    assert_eq!(other_rx.dropped_notifications(), emitted - 10);
    // Once read, the queue takes notifications again, after the marker's seq.
    notifier.notify::<notifications::Tick>(
        "slow",
        &pb::TickPb {
            index: 0,
            id: "after".into(),
        },
    );
    let Ok(Outbound::Notification { seq, .. }) = rx.try_recv() else {
        panic!("not delivered")
    };
    assert_eq!(seq, emitted + 2);
    assert_eq!(session.dropped_notifications(), emitted - 4096);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_never_dropped_for_a_slow_subscriber() {
    // 100 requests emitting 1,000 notifications each into a queue of 64 that is not read until
    // every request was answered: all 100 responses arrive, notifications are bounded and counted.
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new().notification_queue(64));
    for id in 1..=100 {
        let emit = pb::EmitNotificationsPayloadPb {
            count: 1000,
            id: format!("r{id}"),
            as_error: false,
        };
        session.submit(
            id,
            request("EmitNotifications", emit),
            RequestOptions::new(),
        );
    }
    while session.in_flight() > 0 {
        tokio::task::yield_now().await;
    }
    session.close();
    let (mut notes, mut markers, mut responses) = (0u64, 0, 0);
    while let Some(message) = rx.recv().await {
        match message {
            Outbound::Notification {
                subscribe_object, ..
            } if eventwire::is_drop_marker(&subscribe_object) => markers += 1,
            Outbound::Notification { .. } => notes += 1,
            Outbound::Response { response, .. } => {
                let ok: pb::EmitNotificationsResultPb = common::assert_ok(answer(&response));
                assert_eq!(ok.emitted, 1000);
                responses += 1;
            }
        }
    }
    assert_eq!(responses, 100);
    assert_eq!(notes, 64);
    assert_eq!(markers, 1, "the run of drops is closed by one marker");
    assert_eq!(session.dropped_notifications(), 100_000 - 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_serves_after_every_limit_was_hit() {
    let d = dispatcher_with(config(
        r#"{"max_payload_bytes": 64, "max_nesting_depth": 3, "max_in_flight": 2}"#,
    ));
    err(
        answer(&d.dispatch(&raw_request("Echo", &[0u8; 65])).await),
        Code::PayloadTooLarge,
    );
    err(
        answer(&d.dispatch(&request("Nest", recursive(4))).await),
        Code::NestingTooDeep,
    );
    let sleep = request("Sleep", pb::SleepPayloadPb { millis: 1000 });
    let held: Vec<_> = (0..2)
        .map(|_| {
            let (d, sleep) = (d.clone(), sleep.clone());
            tokio::spawn(async move { d.dispatch(&sleep).await })
        })
        .collect();
    while d.in_flight() < 2 {
        tokio::task::yield_now().await;
    }
    err(
        answer(&d.dispatch(&raw_request("Ping", &[])).await),
        Code::Overloaded,
    );
    for h in held {
        err(answer(&h.await.unwrap()), Code::RequestTimeout);
    }
    assert_eq!(d.in_flight(), 0);
    assert_serving(&d).await;
}

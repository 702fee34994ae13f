//! Byte budgets and their edges (SPEC.md sections 9.5, 10 and 11.1): a subscriber's queue is
//! bounded by bytes as well as by count, a run of drops is closed by a drop marker even when no
//! further notification comes (REQ-NOTIF-17), a session counts the bytes of the answers it holds,
//! a session that has ended says so instead of dropping what it is given, and no deadline exceeds
//! `max_timeout_ms`.

mod common;

use std::time::Duration;

use common::{
    Answer, answer, assert_err, config, dispatcher, dispatcher_with, raw_request, request,
};
use eventwire::{
    ErrorCategory, ErrorCode as Code, Outbound, RequestOptions, SessionConfig, SessionEnded,
    SessionReceiver, is_drop_marker,
};
use eventwire_sample_app::reference::{notifications, pb};
use prost::Message;

/// Everything queued now, without waiting.
fn drain(rx: &mut SessionReceiver) -> Vec<Outbound> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// (seq, is marker) of each queued notification.
fn notifications(messages: &[Outbound]) -> Vec<(u64, bool)> {
    messages
        .iter()
        .map(|m| match m {
            Outbound::Notification {
                seq,
                subscribe_object,
            } => (*seq, is_drop_marker(subscribe_object)),
            Outbound::Response { .. } => panic!("no response expected"),
        })
        .collect()
}

fn tick(id: &str) -> pb::TickPb {
    pb::TickPb {
        index: 0,
        id: id.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_is_bounded_by_bytes_as_well_as_by_count() {
    // 100 notifications of about 1 KiB each into a queue of 4096 entries but 10,000 bytes.
    let d = dispatcher();
    let budget = 10_000;
    let (session, mut rx) = d.open_session(SessionConfig::new().notification_queue_bytes(budget));
    let notifier = d.notifier();
    let big = "x".repeat(1000);
    for _ in 0..100 {
        notifier.notify::<notifications::Tick>(big.clone(), &tick(&big));
        assert!(
            session.queued_notification_bytes() <= budget + 128,
            "{}",
            session.queued_notification_bytes()
        );
    }
    let messages = drain(&mut rx);
    let mut bytes = 0;
    let mut kept = 0u64;
    for m in &messages {
        let Outbound::Notification {
            seq,
            subscribe_object,
        } = m
        else {
            panic!("a response")
        };
        if !is_drop_marker(subscribe_object) {
            kept += 1;
            assert_eq!(*seq, kept, "the first ones are kept, in order");
            bytes += subscribe_object.len();
        }
    }
    // Every kept one has the same length (seq 1 to 9 take one byte), so exactly as many as fit.
    let Outbound::Notification {
        subscribe_object: first,
        ..
    } = &messages[0]
    else {
        unreachable!()
    };
    assert!(
        first.len() > 2000,
        "id and payload each hold the 1000 bytes"
    );
    assert_eq!(kept as usize, budget / first.len(), "{kept} kept");
    assert!(bytes <= budget, "{bytes} bytes queued");
    assert_eq!(session.dropped_notifications(), 100 - kept);
    assert_eq!(
        session.queued_notification_bytes(),
        0,
        "counted down as read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_small_request_cannot_queue_more_than_the_default_budget() {
    // The campaign's case: EmitNotifications{1000} with a 1 MiB id held 2 GB for a subscriber
    // that did not read. With the default budget (64 MiB) at most 64 MiB is queued.
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new());
    let emit = pb::EmitNotificationsPayloadPb {
        count: 1000,
        id: "i".repeat(1 << 20),
        as_error: false,
    };
    let response = d.dispatch(&request("EmitNotifications", emit)).await;
    assert!(matches!(answer(&response), Answer::Ok(_)));
    let budget = d.config().notification_queue_bytes;
    assert_eq!(budget, 64 << 20);
    let queued = session.queued_notification_bytes();
    assert!(queued <= budget + 128, "{queued} bytes queued");
    assert!(
        queued > budget - (2 << 20),
        "filled up to the budget: {queued}"
    );
    let kept = notifications(&drain(&mut rx))
        .iter()
        .filter(|(_, marker)| !marker)
        .count() as u64;
    assert_eq!(kept + session.dropped_notifications(), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trailing_run_of_drops_is_revealed_by_a_marker() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new().notification_queue(3));
    let notifier = d.notifier();
    for i in 0..10 {
        notifier.notify::<notifications::Tick>("t", &tick(&i.to_string()));
    }
    // Nothing more is emitted: reading frees an entry, and the marker takes it.
    let messages = drain(&mut rx);
    assert_eq!(
        notifications(&messages),
        [(1, false), (2, false), (3, false), (11, true)]
    );
    let Outbound::Notification {
        subscribe_object, ..
    } = &messages[3]
    else {
        unreachable!()
    };
    let marker = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
    assert_eq!(
        (marker.source.as_str(), marker.ty, marker.id.as_str()),
        ("", 0, "")
    );
    assert!(marker.payload_oneof.is_none());
    let Some(pb::subscribe_object::ErrorOneof::Error(error)) = marker.error_oneof else {
        panic!("an error")
    };
    let error = pb::FlowyError::decode(error.as_slice()).unwrap();
    assert_eq!(error.code, Code::Overloaded as i32);
    assert_eq!(error.category, ErrorCategory::ResourceExhausted as i32);
    assert_eq!(marker.seq, 11);
    assert_eq!(
        session.dropped_notifications(),
        7,
        "the gap before the marker: 11 - 3 - 1"
    );
    // Numbering goes on after the marker.
    notifier.notify::<notifications::Tick>("t", &tick("after"));
    assert_eq!(notifications(&drain(&mut rx)), [(12, false)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_over_the_byte_budget_is_dropped_and_marked_at_once() {
    // The queue is empty but the notification alone exceeds the budget: dropped, and the marker
    // follows at once since an entry is free.
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new().notification_queue_bytes(100));
    d.notifier()
        .notify::<notifications::Tick>("t", &tick(&"x".repeat(200)));
    assert_eq!(notifications(&drain(&mut rx)), [(2, true)]);
    assert_eq!(session.dropped_notifications(), 1);
    d.notifier()
        .notify::<notifications::Tick>("t", &tick("small"));
    assert_eq!(notifications(&drain(&mut rx)), [(3, false)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_one_marker_is_queued_and_every_run_is_closed() {
    let d = dispatcher();
    let (_session, mut rx) = d.open_session(SessionConfig::new().notification_queue(2));
    let notifier = d.notifier();
    let emit =
        |n: usize| (0..n).for_each(|_| notifier.notify::<notifications::Tick>("t", &tick("t")));
    let take = |rx: &mut SessionReceiver| {
        let Ok(Outbound::Notification {
            seq,
            subscribe_object,
        }) = rx.try_recv()
        else {
            panic!("nothing queued")
        };
        (seq, is_drop_marker(&subscribe_object))
    };
    emit(10); // 1, 2 queued; 3..=10 dropped.
    assert_eq!(take(&mut rx), (1, false)); // frees an entry: marker 11 queued.
    emit(5); // full again (2, marker 11): 12..=16 dropped.
    assert_eq!(take(&mut rx), (2, false)); // a marker is still queued: no second one.
    assert_eq!(take(&mut rx), (11, true)); // read: the next run's marker follows.
    assert_eq!(take(&mut rx), (17, true));
    assert!(rx.try_recv().is_err(), "nothing more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_counts_the_bytes_of_the_answers_it_holds() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new());
    // Each answer counts its length and its place in the queue.
    let entry = eventwire::ANSWER_ENTRY_BYTES;
    session.answer(1, vec![0; 1000]);
    session.answer(2, vec![0; 24]);
    assert_eq!(session.queued_answer_bytes(), 1024 + 2 * entry);
    assert_eq!(rx.queued_answer_bytes(), 1024 + 2 * entry);
    let _ = rx.try_recv().unwrap();
    assert_eq!(session.queued_answer_bytes(), 24 + entry);
    let _ = rx.try_recv().unwrap();
    assert_eq!(session.queued_answer_bytes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_has_ended_refuses_instead_of_dropping() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new());
    // Closed with a request in flight: a later one is still taken (and answered CANCELLED).
    let sleep = request("Sleep", pb::SleepPayloadPb { millis: 60_000 });
    session.submit(1, sleep, RequestOptions::new());
    session.close();
    assert_eq!(
        session.try_submit(2, raw_request("Ping", &[]), RequestOptions::new()),
        Ok(())
    );
    assert_eq!(session.try_answer(3, Vec::new()), Ok(()));
    session.cancel_all();
    let mut answered = Vec::new();
    while let Some(Outbound::Response { request_id, .. }) = rx.recv().await {
        answered.push(request_id);
    }
    answered.sort_unstable();
    assert_eq!(answered, [1, 2, 3]);
    // Ended: nothing can be delivered any more, and the caller is told so.
    assert_eq!(
        session.try_submit(4, raw_request("Ping", &[]), RequestOptions::new()),
        Err(SessionEnded)
    );
    assert_eq!(session.try_answer(5, Vec::new()), Err(SessionEnded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_deadline_exceeds_max_timeout_ms() {
    // A per-request deadline of 49 days, and a configured per-event one of 100 s, are both cut
    // to max_timeout_ms (50 ms here): Sleep{2000} times out instead of answering.
    let d = dispatcher_with(config(
        r#"{"max_timeout_ms": 50, "event_timeouts_ms": {"Sleep": 100000}}"#,
    ));
    let sleep = request("Sleep", pb::SleepPayloadPb { millis: 2000 });
    let long = RequestOptions::new().timeout(Duration::from_millis(u64::from(u32::MAX)));
    for options in [long, RequestOptions::new()] {
        let response = d.dispatch_with(&sleep, options).await;
        assert_err(
            answer(&response),
            Code::RequestTimeout,
            ErrorCategory::DeadlineExceeded,
        );
    }
    // Within the cap, deadlines are unchanged.
    let d = dispatcher_with(config(r#"{"max_timeout_ms": 60000}"#));
    let short = request("Sleep", pb::SleepPayloadPb { millis: 1 });
    let response = d.dispatch(&short).await;
    assert!(matches!(answer(&response), Answer::Ok(_)));
}

#[test]
fn budgets_and_the_cap_are_positive_integers() {
    for bad in [
        r#"{"notification_queue_bytes": 0}"#,
        r#"{"max_queued_answer_bytes": 0}"#,
        r#"{"max_timeout_ms": 0}"#,
        r#"{"max_timeout_ms": -1}"#,
        r#"{"notification_queue_bytes": 1.5}"#,
    ] {
        assert!(
            eventwire::Config::from_json(bad.as_bytes()).is_err(),
            "accepted {bad}"
        );
    }
    let c = config(
        r#"{"notification_queue_bytes": 1, "max_queued_answer_bytes": 2, "max_timeout_ms": 3}"#,
    );
    assert_eq!(
        (
            c.notification_queue_bytes,
            c.max_queued_answer_bytes,
            c.max_timeout_ms
        ),
        (1, 2, 3)
    );
}

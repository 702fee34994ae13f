//! Notifications through sessions: numbering, emission order, the rule that a handler's
//! notifications precede its response, bounded queues with counted drops.

mod common;

use std::collections::BTreeMap;

use common::*;
use eventwire::{Outbound, RequestOptions, SessionConfig, SessionReceiver};
use eventwire_sample_app::reference::pb;
use prost::Message;

fn emit(count: u32, id: &str, as_error: bool) -> Vec<u8> {
    request(
        "EmitNotifications",
        pb::EmitNotificationsPayloadPb {
            count,
            id: id.into(),
            as_error,
        },
    )
}

/// Receives until the response to `request_id`, returning the notifications before it.
async fn until_response(
    rx: &mut SessionReceiver,
    request_id: u64,
) -> (Vec<pb::SubscribeObject>, Answer) {
    let mut seen = Vec::new();
    loop {
        match rx.recv().await.expect("the session is open") {
            Outbound::Notification {
                seq,
                subscribe_object,
            } => {
                let object = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
                assert_eq!(object.seq, seq, "the seq field is the one announced");
                seen.push(object);
            }
            Outbound::Response {
                request_id: id,
                response,
            } => {
                assert_eq!(id, request_id, "no other request is in flight");
                return (seen, answer(&response));
            }
        }
    }
}

fn tick(object: &pb::SubscribeObject) -> pb::TickPb {
    match &object.payload_oneof {
        Some(pb::subscribe_object::PayloadOneof::Payload(p)) => {
            pb::TickPb::decode(p.as_slice()).unwrap()
        }
        None => panic!("not a payload notification: {object:?}"),
    }
}

#[tokio::test]
async fn notifications_emitted_before_returning_precede_the_response_in_order() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    for (round, count) in [(1u64, 1000u32), (2, 0), (3, 37)] {
        session.submit(round, emit(count, "req", false), RequestOptions::default());
        let (seen, response) = until_response(&mut rx, round).await;
        let result: pb::EmitNotificationsResultPb = assert_ok(response);
        assert_eq!(result.emitted, count);
        assert_eq!(
            seen.len(),
            count as usize,
            "every notification arrived before the response"
        );
        for (i, object) in seen.iter().enumerate() {
            assert_eq!(
                (object.source.as_str(), object.ty, object.id.as_str()),
                ("conformance", 1, "req")
            );
            assert_eq!(
                tick(object),
                pb::TickPb {
                    index: i as u32,
                    id: "req".into()
                },
                "emission order"
            );
            assert!(object.error_oneof.is_none());
        }
    }
}

#[tokio::test]
async fn seq_starts_at_one_and_counts_per_session() {
    let d = dispatcher();
    let (early, mut early_rx) = d.open_session(SessionConfig::default());
    early.submit(1, emit(3, "a", false), RequestOptions::default());
    let (seen, _) = until_response(&mut early_rx, 1).await;
    assert_eq!(seen.iter().map(|o| o.seq).collect::<Vec<_>>(), [1, 2, 3]);

    let (late, mut late_rx) = d.open_session(SessionConfig::default());
    late.submit(7, emit(2, "b", false), RequestOptions::default());
    let (seen, _) = until_response(&mut late_rx, 7).await;
    assert_eq!(
        seen.iter().map(|o| o.seq).collect::<Vec<_>>(),
        [1, 2],
        "a new session numbers from 1"
    );
    // The first session received the second request's notifications too, continuing its count.
    for expected in [4, 5] {
        match early_rx.recv().await.unwrap() {
            Outbound::Notification { seq, .. } => assert_eq!(seq, expected),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn error_notifications_carry_an_encoded_flowy_error() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    session.submit(1, emit(2, "e", true), RequestOptions::default());
    let (seen, _) = until_response(&mut rx, 1).await;
    for (i, object) in seen.iter().enumerate() {
        assert!(object.payload_oneof.is_none());
        let Some(pb::subscribe_object::ErrorOneof::Error(bytes)) = &object.error_oneof else {
            panic!("{object:?}")
        };
        let error = pb::FlowyError::decode(bytes.as_slice()).unwrap();
        assert_eq!(
            error,
            pb::FlowyError::new(pb::ErrorCode::Internal, format!("tick {i}"))
        );
    }
}

#[tokio::test]
async fn a_full_queue_drops_notifications_counts_them_and_skips_seq_but_never_drops_responses() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new().notification_queue(10));
    // Nothing is received while 50 are emitted: 10 fit, 40 are dropped.
    session.submit(1, emit(50, "x", false), RequestOptions::default());
    let (seen, response) = until_response(&mut rx, 1).await;
    let _: pb::EmitNotificationsResultPb = assert_ok(response);
    assert_eq!(
        seen.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(
        seen.iter().map(|o| tick(o).index).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(session.dropped_notifications(), 40);
    assert_eq!(rx.dropped_notifications(), 40);
    // Drained, the queue takes notifications again; seq shows the gap.
    session.submit(2, emit(1, "y", false), RequestOptions::default());
    let (seen, _) = until_response(&mut rx, 2).await;
    assert_eq!(seen[0].seq, 51);
}

#[tokio::test]
async fn concurrent_emitters_reach_every_session_in_the_same_order() {
    let d = dispatcher();
    let sessions: Vec<_> = (0..3)
        .map(|_| d.open_session(SessionConfig::default()))
        .collect();
    let (submitter, _) = &sessions[0];
    for id in 0..8u64 {
        submitter.submit(
            id,
            emit(100, &format!("r{id}"), false),
            RequestOptions::default(),
        );
    }
    let mut orders = Vec::new();
    for (i, (session, rx)) in sessions.into_iter().enumerate() {
        session.close();
        let mut rx = rx;
        let mut order = Vec::new();
        let mut next_index: BTreeMap<String, u32> = BTreeMap::new();
        let mut responses = 0;
        // Session 0 is read first, to its 8 responses: by then all 800 notifications were
        // emitted, so the other sessions hold them all, and closing them ends their receivers
        // only after what is queued has been read.
        while order.len() < 800 || (i == 0 && responses < 8) {
            match rx.recv().await.expect("not ended before all were read") {
                Outbound::Notification {
                    seq,
                    subscribe_object,
                } => {
                    let object = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
                    assert_eq!(seq, order.len() as u64 + 1);
                    let t = tick(&object);
                    let expected = next_index.entry(t.id.clone()).or_default();
                    assert_eq!(t.index, *expected, "each request's ticks in emission order");
                    *expected += 1;
                    order.push((t.id, t.index));
                }
                Outbound::Response {
                    request_id,
                    response,
                } => {
                    let emitted: pb::EmitNotificationsResultPb = assert_ok(answer(&response));
                    assert_eq!(emitted.emitted, 100);
                    let id = format!("r{request_id}");
                    assert_eq!(
                        next_index.get(&id),
                        Some(&100),
                        "all of {id}'s ticks precede its response"
                    );
                    responses += 1;
                }
            }
        }
        orders.push(order);
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(orders[1], orders[2]);
}

#[tokio::test]
async fn a_session_can_opt_out_of_notifications() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new().notifications(false));
    session.submit(1, emit(5, "q", false), RequestOptions::default());
    let (seen, _) = until_response(&mut rx, 1).await;
    assert!(seen.is_empty());
}

#[tokio::test]
async fn notifier_outside_a_request_reaches_sessions_and_undeclared_keys_are_refused() {
    let d = dispatcher();
    let (_session, mut rx) = d.open_session(SessionConfig::default());
    let notifier = d.notifier();
    let snapshot = pb::DocumentSnapshotPb {
        document_id: "d".into(),
        content: "c".into(),
        revision: 3,
    };
    notifier
        .notify::<eventwire_sample_app::reference::notifications::DocumentUpdated>("d", &snapshot);
    assert_eq!(
        notifier.notify_raw(
            "document",
            2,
            "d",
            eventwire::NotificationBody::Payload(vec![])
        ),
        Err(eventwire::UndeclaredNotification {
            source_name: "document".into(),
            ty: 2
        })
    );
    notifier
        .notify_raw("user", 2, "9", eventwire::NotificationBody::Payload(vec![]))
        .unwrap();
    let Some(Outbound::Notification {
        subscribe_object, ..
    }) = rx.recv().await
    else {
        panic!()
    };
    let object = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
    assert_eq!(
        (object.source.as_str(), object.ty, object.id.as_str()),
        ("document", 1, "d")
    );
    let Some(pb::subscribe_object::PayloadOneof::Payload(p)) = object.payload_oneof else {
        panic!()
    };
    assert_eq!(
        pb::DocumentSnapshotPb::decode(p.as_slice()).unwrap(),
        snapshot
    );
    let Some(Outbound::Notification {
        seq: 2,
        subscribe_object,
    }) = rx.recv().await
    else {
        panic!()
    };
    let object = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
    assert_eq!((object.source.as_str(), object.ty), ("user", 2));
}

//! Sessions: ids, cancellation by id, closing, and the receiver's end.

mod common;

use std::time::Duration;

use common::*;
use eventwire::{Capabilities, ErrorCategory as Cat, ErrorCode as Code, Outbound, RequestOptions, SessionConfig,};
use eventwire_sample_app::reference::pb as pb;

fn sleep(millis: u32) -> Vec<u8> {
    request("Sleep", pb::SleepPayloadPb { millis })
}

#[tokio::test]
async fn responses_carry_their_request_ids_and_cancel_by_id_answers_cancelled() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    let long = RequestOptions::new().timeout(Duration::from_secs(3600));
    session.submit(10, sleep(60_000), long.clone());
    session.submit(11, request("Ping", ()), RequestOptions::default());
    let Some(Outbound::Response {
        request_id: 11,
        response,
    }) = rx.recv().await
    else {
        panic!("Ping answers first")
    };
    let _: pb::PongPb = assert_ok(answer(&response));
    assert_eq!(session.in_flight(), 1);
    assert!(session.cancel(10));
    let Some(Outbound::Response {
        request_id: 10,
        response,
    }) = rx.recv().await
    else {
        panic!()
    };
    assert_err(answer(&response), Code::Cancelled, Cat::Cancelled);
    assert!(!session.cancel(10), "answered ids are unknown");
    assert!(!session.cancel(99));
    assert_eq!(session.in_flight(), 0);
}

#[tokio::test]
async fn cancel_all_answers_every_in_flight_request() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    for id in 1..=5 {
        session.submit(
            id,
            sleep(60_000),
            RequestOptions::new().timeout(Duration::from_secs(3600)),
        );
    }
    session.cancel_all();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let Some(Outbound::Response {
            request_id,
            response,
        }) = rx.recv().await
        else {
            panic!()
        };
        assert_err(answer(&response), Code::Cancelled, Cat::Cancelled);
        ids.push(request_id);
    }
    ids.sort();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn closing_answers_in_flight_requests_then_ends_the_receiver() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    session.submit(1, sleep(20), RequestOptions::default());
    session.close();
    session.submit(2, request("Ping", ()), RequestOptions::default());
    let mut answers = Vec::new();
    while let Some(message) = rx.recv().await {
        let Outbound::Response {
            request_id,
            response,
        } = message
        else {
            continue;
        };
        answers.push((request_id, answer(&response)));
    }
    answers.sort_by_key(|(id, _)| *id);
    assert_eq!(answers.len(), 2, "one answer each, then the end");
    let (_, first) = answers.remove(0);
    let slept: pb::SleepResultPb = assert_ok(first);
    assert_eq!(slept.slept_millis, 20);
    let (_, second) = answers.remove(0);
    assert_err(second, Code::Cancelled, Cat::Cancelled);
}

#[tokio::test]
async fn dropping_every_session_handle_closes_it() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    session.submit(1, request("Ping", ()), RequestOptions::default());
    drop(session);
    let Some(Outbound::Response { request_id: 1, .. }) = rx.recv().await else {
        panic!()
    };
    assert!(rx.recv().await.is_none());
    assert_serving(&d).await;
}

#[tokio::test]
async fn session_capabilities_apply_to_its_requests() {
    let d = dispatcher();
    let caps = Capabilities::from_patterns(["document.*"]).unwrap();
    let (session, mut rx) = d.open_session(SessionConfig::new().capabilities(caps));
    session.submit(1, request("Ping", ()), RequestOptions::default());
    let Some(Outbound::Response { response, .. }) = rx.recv().await else {
        panic!()
    };
    assert_err(
        answer(&response),
        Code::PermissionDenied,
        Cat::PermissionDenied,
    );
    session.submit(
        2,
        request(
            "GetDocument",
            pb::OpenDocumentContextPb {
                document_id: "x".into(),
            },
        ),
        RequestOptions::default(),
    );
    let Some(Outbound::Response { response, .. }) = rx.recv().await else {
        panic!()
    };
    let _: pb::DocumentSnapshotPb = assert_ok(answer(&response));
}

#[test]
fn blocking_receiver_serves_a_transport_thread() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let d = runtime.block_on(async { dispatcher() });
    let (session, mut rx) = d.open_session(SessionConfig::default());
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Some(m) = rx.blocking_recv() {
            got.push(m);
        }
        got
    });
    session.submit(
        5,
        request(
            "EmitNotifications",
            pb::EmitNotificationsPayloadPb {
                count: 2,
                id: "t".into(),
                as_error: false,
            },
        ),
        RequestOptions::default(),
    );
    session.close();
    let got = reader.join().unwrap();
    assert_eq!(got.len(), 3);
    assert!(matches!(got[0], Outbound::Notification { seq: 1, .. }));
    assert!(matches!(got[1], Outbound::Notification { seq: 2, .. }));
    assert!(matches!(&got[2], Outbound::Response { request_id: 5, .. }));
}

#[tokio::test]
async fn try_recv_and_queued_responses() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new().notifications(false));
    assert_eq!(rx.try_recv(), Err(eventwire::TryRecvError::Empty));
    for id in 1..=3 {
        session.submit(id, vec![0xff], RequestOptions::default()); // answered INVALID_REQUEST
    }
    while rx.queued_responses() < 3 {
        tokio::task::yield_now().await;
    }
    for _ in 0..3 {
        let Ok(Outbound::Response { response, .. }) = rx.try_recv() else {
            panic!()
        };
        assert_err(
            answer(&response),
            Code::InvalidRequest,
            Cat::InvalidArgument,
        );
    }
    assert_eq!(rx.queued_responses(), 0);
    drop(session);
    assert_eq!(rx.try_recv(), Err(eventwire::TryRecvError::Ended));
}

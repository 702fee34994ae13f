//! Sessions: ids, cancellation by id, closing, and the receiver's end.

mod common;

use std::time::Duration;

use common::*;
use eventwire::{
    Capabilities, ErrorCategory as Cat, ErrorCode as Code, Outbound, RequestOptions, SessionConfig,
};
use eventwire_sample_app::reference::pb;

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

fn emit(count: u32) -> Vec<u8> {
    request(
        "EmitNotifications",
        pb::EmitNotificationsPayloadPb {
            count,
            id: "r".into(),
            as_error: false,
        },
    )
}

/// A request submitted with a reply is answered to it, not through the queue, with the `seq` of
/// the last notification its own handler queued; a hook hears of every message queued, the
/// response of a queued request as `Queued::Response` on the thread that completed it.
#[test]
fn replies_bypass_the_queue_and_carry_their_own_last_seq() {
    use eventwire::{QueueHook, Queued};
    use std::sync::{Arc, Mutex, mpsc};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let d = eventwire_sample_app::reference::mount(eventwire::Dispatcher::builder())
        .runtime(runtime.handle().clone())
        .build()
        .unwrap();
    let heard: Arc<Mutex<Vec<Queued>>> = Arc::default();
    // Once set, the hook looks at the queue when told: a receiver woken by the hook must find
    // the end there (nothing else will tell it later).
    let probe: Arc<Mutex<Option<eventwire::SessionReceiver>>> = Arc::default();
    let probed: Arc<Mutex<Vec<Result<Outbound, eventwire::TryRecvError>>>> = Arc::default();
    // The hook runs on the thread that queued, after the message is visible: the test waits
    // for it to have run rather than expect it to have run by the time the receiver has the
    // message.
    let (hook_ran, hook_runs) = mpsc::channel::<()>();
    let hook = {
        let (heard, probe, probed) = (Arc::clone(&heard), Arc::clone(&probe), Arc::clone(&probed));
        QueueHook::new(move |q| {
            heard.lock().unwrap().push(q);
            if let Some(rx) = probe.lock().unwrap().as_mut() {
                probed.lock().unwrap().push(rx.try_recv());
            }
            let _ = hook_ran.send(());
        })
    };
    let wait_heard = |n: usize| {
        while heard.lock().unwrap().len() < n {
            hook_runs
                .recv()
                .expect("the hook is alive while the session is");
        }
    };
    let (session, mut rx) = d.open_session(SessionConfig::new().on_queued(hook));

    // A queued request: two notifications (seq 1, 2), then its response.
    session
        .try_submit(1, emit(2), RequestOptions::new())
        .unwrap();
    let mut queued = Vec::new();
    while queued.len() < 3 {
        queued.push(rx.blocking_recv().expect("queued"));
    }
    assert!(matches!(
        queued[2],
        Outbound::Response { request_id: 1, .. }
    ));
    wait_heard(3);
    assert_eq!(
        *heard.lock().unwrap(),
        [Queued::Other, Queued::Other, Queued::Response]
    );

    // With a reply: three notifications (seq 3, 4, 5) queued, the answer to the reply.
    let (tx, answered) = mpsc::channel();
    let reply_to = |tx: mpsc::Sender<(Vec<u8>, u64)>| -> eventwire::Reply {
        Box::new(move |response, seq| tx.send((response, seq)).unwrap())
    };
    session
        .try_submit_with_reply(2, emit(3), RequestOptions::new(), reply_to(tx.clone()))
        .unwrap();
    let (response, seq) = answered.recv().unwrap();
    let result: pb::EmitNotificationsResultPb = assert_ok(answer(&response));
    assert_eq!((result.emitted, seq), (3, 5));
    // A handler that emits nothing: 0, whatever the session queued before.
    session
        .try_submit_with_reply(
            3,
            request("Ping", ()),
            RequestOptions::new(),
            reply_to(tx.clone()),
        )
        .unwrap();
    let (response, seq) = answered.recv().unwrap();
    let _: pb::PongPb = assert_ok(answer(&response));
    assert_eq!(seq, 0);
    // Only the notifications are in the queue.
    let seqs: Vec<u64> = (0..3)
        .map(|_| match rx.blocking_recv() {
            Some(Outbound::Notification { seq, .. }) => seq,
            other => panic!("expected a notification, got {other:?}"),
        })
        .collect();
    assert_eq!(seqs, [3, 4, 5]);
    assert_eq!(rx.try_recv(), Err(eventwire::TryRecvError::Empty));
    assert_eq!(session.held_answer_bytes(), 0);

    // A reply request in flight keeps the queue open after close, and is cancelled by cancel_all.
    session
        .try_submit_with_reply(
            4,
            sleep(600_000),
            RequestOptions::new().timeout(Duration::from_secs(3600)),
            reply_to(tx.clone()),
        )
        .unwrap();
    session.close();
    assert_eq!(
        rx.try_recv(),
        Err(eventwire::TryRecvError::Empty),
        "not ended while a reply is due"
    );
    // Closed, with a request in flight: a new reply request is answered CANCELLED at once.
    session
        .try_submit_with_reply(
            5,
            request("Ping", ()),
            RequestOptions::new(),
            reply_to(tx.clone()),
        )
        .unwrap();
    let (response, _) = answered.recv().unwrap();
    assert_err(answer(&response), Code::Cancelled, Cat::Cancelled);
    heard.lock().unwrap().clear();
    *probe.lock().unwrap() = Some(rx);
    session.cancel_all();
    let (response, _) = answered.recv().unwrap();
    assert_err(answer(&response), Code::Cancelled, Cat::Cancelled);
    // The end of the queue is heard of, and a receiver looking then sees it.
    wait_heard(1);
    assert_eq!(*heard.lock().unwrap(), [Queued::Other]);
    assert_eq!(
        *probed.lock().unwrap(),
        [Err(eventwire::TryRecvError::Ended)]
    );
    assert!(
        session
            .try_submit_with_reply(6, request("Ping", ()), RequestOptions::new(), reply_to(tx))
            .is_err()
    );
}

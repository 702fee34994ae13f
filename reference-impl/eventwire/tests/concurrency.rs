//! 10,000 concurrent requests, some panicking, some timing out, some cancelled: exactly one
//! response each, none lost, none duplicated, each with the outcome its kind must have, and the
//! dispatcher serves normally afterwards.

mod common;

use std::{collections::HashMap, time::Duration};

use common::*;
use eventwire::{
    CancelHandle, ErrorCategory as Cat, ErrorCode as Code, Outbound, RequestOptions, SessionConfig,
};
use eventwire_sample_app::reference::pb;

const N: u64 = 10_000;
const PANIC_TEXT: &str = "concurrency-test panic";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Panic,
    Timeout,
    Cancel,
    Invalid,
}

fn kind(id: u64) -> Kind {
    match id % 5 {
        0 => Kind::Ok,
        1 => Kind::Panic,
        2 => Kind::Timeout,
        3 => Kind::Cancel,
        _ => Kind::Invalid,
    }
}

/// Keeps the expected panics out of the test output; any other panic is reported as usual.
fn quiet_expected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.payload().downcast_ref::<String>().map(String::as_str);
        if text != Some(PANIC_TEXT) {
            default(info);
        }
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_get_exactly_one_response_each() {
    quiet_expected_panics();
    let d = dispatcher_with(config(r#"{"max_in_flight": 20000}"#));
    let (session, mut rx) = d.open_session(SessionConfig::new().notifications(false));
    let mut cancels = Vec::new();
    for id in 1..=N {
        let (bytes, options) = match kind(id) {
            // A generous deadline: under the load of 10,000 requests a 2 ms sleep may well take
            // longer than the table's 200 ms to be scheduled, and must not time out.
            Kind::Ok => (
                request(
                    "Sleep",
                    pb::SleepPayloadPb {
                        millis: (id % 3) as u32,
                    },
                ),
                RequestOptions::new().timeout(Duration::from_secs(3600)),
            ),
            Kind::Panic => (
                request(
                    "Panic",
                    pb::PanicPayloadPb {
                        message: PANIC_TEXT.into(),
                    },
                ),
                RequestOptions::new(),
            ),
            Kind::Timeout => (
                request("Sleep", pb::SleepPayloadPb { millis: 60_000 }),
                RequestOptions::new().timeout(Duration::from_millis(1 + id % 5)),
            ),
            Kind::Cancel => {
                let cancel = CancelHandle::new();
                cancels.push(cancel.clone());
                (
                    request("Sleep", pb::SleepPayloadPb { millis: 60_000 }),
                    RequestOptions::new()
                        .timeout(Duration::from_secs(3600))
                        .cancel(cancel),
                )
            }
            Kind::Invalid => (vec![0xff, 0xff], RequestOptions::new()),
        };
        session.submit(id, bytes, options);
    }
    // Half the cancellations go through the caller's handle, half through the session by id.
    for (i, cancel) in cancels.iter().enumerate() {
        if i % 2 == 0 {
            cancel.cancel();
        } else {
            // Sleeping an hour-long deadline away, it is certainly still in flight.
            assert!(
                session.cancel(5 * i as u64 + 3),
                "request {} is in flight",
                5 * i + 3
            );
        }
    }
    session.close();

    let mut answers: HashMap<u64, Answer> = HashMap::new();
    while let Some(message) = rx.recv().await {
        let Outbound::Response {
            request_id,
            response,
        } = message
        else {
            panic!("notifications are off")
        };
        let previous = answers.insert(request_id, answer(&response));
        assert!(previous.is_none(), "request {request_id} answered twice");
    }
    assert_eq!(answers.len() as u64, N, "every request answered");
    for (id, answer) in answers {
        match kind(id) {
            Kind::Ok => {
                let slept: pb::SleepResultPb = assert_ok(answer);
                assert_eq!(u64::from(slept.slept_millis), id % 3);
            }
            Kind::Panic => {
                assert_err(answer, Code::Internal, Cat::Internal);
            }
            Kind::Timeout => {
                assert_err(answer, Code::RequestTimeout, Cat::DeadlineExceeded);
            }
            Kind::Cancel => {
                assert_err(answer, Code::Cancelled, Cat::Cancelled);
            }
            Kind::Invalid => {
                assert_err(answer, Code::InvalidRequest, Cat::InvalidArgument);
            }
        }
    }
    assert_eq!(d.in_flight(), 0, "every in-flight place released");
    assert_serving(&d).await;
    let slept = d
        .call::<eventwire_sample_app::reference::events::Sleep>(pb::SleepPayloadPb { millis: 1 })
        .await
        .unwrap();
    assert_eq!(slept.slept_millis, 1);
}

//! Feeds arbitrary bytes to the reference dispatcher as one request of an in-process session,
//! exactly as a transport would, on a runtime whose clock is paused (so `Sleep` and deadlines
//! cost no wall time).
//!
//! Checks: exactly one response, for the submitted id; it decodes as an FFIResponse with status
//! OK or ERR; an ERR payload is a FlowyError whose code is in the schema and whose category is
//! that code's; the outcomes of pipeline steps 1, 2 and 4 are the ones SPEC.md section 8 fixes;
//! every notification is well formed, numbered 1, 2, 3, ... and arrives before the response; no
//! in-flight slot leaks.

#![no_main]

use eventwire::{Dispatcher, RequestOptions, SessionConfig, Outbound};
use eventwire_sample_app::reference::pb as pb;
use eventwire_schema::{pb::subscribe_object, tables};
use eventwire_fuzz::{allow_deliberate_panics, runtime};
use libfuzzer_sys::fuzz_target;
use prost::Message;

fn expected_error(request: &[u8]) -> Option<pb::ErrorCode> {
    let Ok(request) = pb::FfiRequest::decode(request) else {
        return Some(pb::ErrorCode::InvalidRequest);
    };
    if request.event.is_empty() {
        return Some(pb::ErrorCode::InvalidRequest);
    }
    if tables().event(&request.event).is_none() {
        return Some(pb::ErrorCode::UnknownEvent);
    }
    None
}

fuzz_target!(|data: &[u8]| {
    allow_deliberate_panics();
    runtime().block_on(async {
        // A fresh dispatcher per input: the sample application is stateful, and a finding must
        // reproduce from its input alone.
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder());
        let dispatcher = builder.build().expect("the reference plugins cover the tables");
        let (session, mut outbound) = dispatcher.open_session(SessionConfig::default());
        session.submit(7, data.to_vec(), RequestOptions::default());
        session.close();

        let mut responses = Vec::new();
        let mut seq = 0;
        while let Some(message) = outbound.recv().await {
            match message {
                Outbound::Response { request_id, response } => {
                    assert_eq!(request_id, 7, "a response for an id never submitted");
                    responses.push(response);
                }
                Outbound::Notification { seq: n, subscribe_object } => {
                    assert!(responses.is_empty(), "notification after the response");
                    seq += 1;
                    assert_eq!(n, seq, "notifications are numbered 1, 2, 3, ...");
                    let object = pb::SubscribeObject::decode(subscribe_object.as_slice())
                        .expect("a notification decodes");
                    assert_eq!(object.seq, n);
                    let payload = object.payload_oneof.is_some();
                    let error = matches!(
                        object.error_oneof,
                        Some(subscribe_object::ErrorOneof::Error(_))
                    );
                    assert!(payload != error, "exactly one of payload and error: {object:?}");
                    assert!(tables().notification(&object.source, object.ty).is_some());
                }
            }
        }
        assert_eq!(responses.len(), 1, "exactly one response");
        assert_eq!(dispatcher.in_flight(), 0, "an in-flight slot leaked");

        let response = pb::FfiResponse::decode(responses[0].as_slice()).expect("an FFIResponse");
        match pb::FfiStatusCode::try_from(response.code) {
            Ok(pb::FfiStatusCode::Ok) => {
                assert_eq!(expected_error(data), None, "OK for a request step 1-4 rejects");
            }
            Ok(pb::FfiStatusCode::Err) => {
                let error = pb::FlowyError::decode(response.payload.as_slice())
                    .expect("an ERR payload is a FlowyError");
                let code = pb::ErrorCode::try_from(error.code).expect("a schema error code");
                assert_eq!(error.category, code.category() as i32, "category of {code:?}");
                if let Some(expected) = expected_error(data) {
                    assert_eq!(code, expected);
                }
            }
            other => panic!("status {other:?} ({}) sent", response.code),
        }
    });
});

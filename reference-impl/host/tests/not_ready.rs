//! `eventwire-host --not-ready`: a backend that has not finished initialising answers every
//! request that passes the envelope checks with ERR `BACKEND_NOT_READY` (REQ-VAL-4, step 3 of the
//! pipeline), drops none, and runs no handler; the stream itself works as usual.

mod common;

use common::*;
use eventwire::ErrorCode;
use eventwire_schema::project_pb::{
    EmitNotificationsPayloadPb, FfiRequest, SignInPayloadPb, StreamRequest, stream_frame::Kind,
};
use prost::Message;

fn raw_request(id: u64, envelope: Vec<u8>) -> Vec<u8> {
    frame(Kind::Request(StreamRequest {
        id,
        request: envelope,
        timeout_ms: 0,
    }))
}

#[test]
fn every_request_past_the_envelope_checks_is_answered_backend_not_ready() {
    let sign_in = SignInPayloadPb {
        email: "ada@example.org".into(),
        password: "pw".into(),
        name: "Ada".into(),
    };
    let emit = EmitNotificationsPayloadPb {
        count: 3,
        id: "t".into(),
        as_error: false,
    };
    let mut input = ping(1);
    input.extend(request(2, "SignIn", &sign_in));
    input.extend(request(3, "EmitNotifications", &emit));
    // Step 3 comes before routing (4): an unknown event is not ready either.
    input.extend(request(4, "NoSuchEvent", &()));
    // Steps 1 and 2 come first: a malformed envelope and an empty event name are invalid.
    input.extend(raw_request(5, vec![0xff, 0x01]));
    input.extend(raw_request(
        6,
        FfiRequest {
            event: String::new(),
            payload: vec![],
        }
        .encode_to_vec(),
    ));
    // The stream's own rules are unchanged.
    input.extend(framing_fault_frame());
    input.extend(cancel(1));
    let run = run(&["--not-ready"], &input);
    assert!(run.status.success());

    for id in 1..=4 {
        assert_eq!(
            error_code(&response(&run.frames, id)),
            ErrorCode::BackendNotReady as i32,
            "request {id}"
        );
    }
    for id in 5..=6 {
        assert_eq!(
            error_code(&response(&run.frames, id)),
            ErrorCode::InvalidRequest as i32,
            "request {id}"
        );
    }
    assert_eq!(
        responses(&run.frames).len(),
        6,
        "one answer per request, none dropped"
    );
    assert!(notifications(&run.frames).is_empty(), "no handler ran");
    let faults = faults(&run.frames);
    assert_eq!(faults.len(), 1);
    assert!(!faults[0].0.closing);
}

#[test]
fn without_the_flag_the_same_requests_run() {
    let run = run(&[], &ping(1));
    assert!(run.status.success());
    assert_eq!(response(&run.frames, 1).code, 0);
}

#[test]
fn help_documents_the_flag() {
    let help = std::process::Command::new(host())
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--not-ready"), "{text}");
    assert!(text.contains("BACKEND_NOT_READY"), "{text}");
}

/// A frame whose body is not a `StreamFrame`: answered with a non-closing fault.
fn framing_fault_frame() -> Vec<u8> {
    eventwire::framing::encode(&[0xff, 0xff, 0xff])
}

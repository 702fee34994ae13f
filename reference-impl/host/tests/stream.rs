//! The stdio host against SPEC.md section 13.3 (REQ-TRANS-STREAM-*), through its real process.

mod common;

use common::*;
use eventwire::ErrorCode;
use eventwire_schema::project_pb::{
    EmitNotificationsPayloadPb, EmitNotificationsResultPb, PongPb, SignInPayloadPb, SleepPayloadPb,
    SleepResultPb, StreamFault, StreamResponse, TickPb, stream_frame::Kind,
};
use prost::Message;

fn sleep(millis: u32) -> SleepPayloadPb {
    SleepPayloadPb { millis }
}

fn config_file(name: &str, json: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, json).expect("write config");
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn answers_the_spec_example_byte_for_byte() {
    // SPEC.md section 13.3, examples: request{id: 1, Ping} -> response{id: 1, OK PongPB{"pong"}}.
    let input = [
        0x0c, 0, 0, 0, 0x0a, 0x0a, 0x08, 0x01, 0x12, 0x06, 0x0a, 0x04, 0x50, 0x69, 0x6e, 0x67,
    ];
    let mut child = std::process::Command::new(host())
        .arg("--stdio")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &input).unwrap();
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        output.stdout,
        [
            0x0e, 0, 0, 0, 0x12, 0x0c, 0x08, 0x01, 0x12, 0x08, 0x0a, 0x06, 0x0a, 0x04, 0x70, 0x6f,
            0x6e, 0x67
        ]
    );
}

#[test]
fn pipelined_requests_are_each_answered_once() {
    let sign_in = SignInPayloadPb {
        email: "ada@example.org".into(),
        password: "pw".into(),
        name: "Ada".into(),
    };
    let mut input = request(1, "Sleep", &sleep(50));
    input.extend(ping(2));
    input.extend(request(3, "Sleep", &sleep(10)));
    input.extend(request(4, "SignIn", &sign_in));
    input.extend(request(5, "NoSuchEvent", &()));
    let run = run(&[], &input);
    assert!(run.status.success());
    let ids: std::collections::BTreeSet<u64> =
        responses(&run.frames).iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(
        SleepResultPb::decode(response(&run.frames, 1).payload.as_slice())
            .unwrap()
            .slept_millis,
        50
    );
    assert_eq!(
        PongPb::decode(response(&run.frames, 2).payload.as_slice())
            .unwrap()
            .message,
        "pong"
    );
    assert_eq!(response(&run.frames, 4).code, 0);
    assert_eq!(
        error_code(&response(&run.frames, 5)),
        ErrorCode::UnknownEvent as i32
    );
    assert!(faults(&run.frames).is_empty());
}

#[test]
fn large_and_small_frames_interleave_whole_in_both_directions() {
    // Responses far larger than the host's read and write chunks (64 KiB) among many small ones:
    // every frame arrives whole, each request is answered once, the large bodies intact.
    let big = |seed: u8| eventwire_schema::project_pb::AllTypesPb {
        f_bytes: (0..300_000u32)
            .map(|i| (i as u8).wrapping_mul(seed))
            .collect(),
        ..Default::default()
    };
    let mut input = Vec::new();
    for id in 1..=600u64 {
        if id % 200 == 0 {
            input.extend(request(id, "Echo", &big(id as u8)));
        } else {
            input.extend(ping(id));
        }
    }
    let run = run(&[], &input);
    assert!(run.status.success());
    let answered = responses(&run.frames);
    assert_eq!(answered.len(), 600);
    let ids: std::collections::BTreeSet<u64> = answered.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), 600, "one response per id");
    for (id, response) in &answered {
        assert_eq!(response.code, 0, "request {id}");
        if id % 200 == 0 {
            let echoed =
                eventwire_schema::project_pb::AllTypesPb::decode(response.payload.as_slice())
                    .unwrap();
            assert_eq!(echoed, big(*id as u8), "request {id}");
        } else {
            assert_eq!(
                PongPb::decode(response.payload.as_slice()).unwrap().message,
                "pong"
            );
        }
    }
}

#[test]
fn notifications_come_before_the_response_that_caused_them() {
    let emit = EmitNotificationsPayloadPb {
        count: 3,
        id: "t".into(),
        as_error: false,
    };
    let run = run(&[], &request(8, "EmitNotifications", &emit));
    assert!(run.status.success());
    assert_eq!(run.frames.len(), 4);
    for (i, kind) in run.frames[..3].iter().enumerate() {
        let Kind::Notification(n) = kind else {
            panic!("frame {i} is not a notification: {kind:?}")
        };
        assert_eq!(
            (n.source.as_str(), n.ty, n.id.as_str(), n.seq),
            ("conformance", 1, "t", i as u64 + 1)
        );
        let Some(eventwire_schema::project_pb::subscribe_object::PayloadOneof::Payload(p)) =
            &n.payload_oneof
        else {
            panic!("payload")
        };
        assert_eq!(
            TickPb::decode(p.as_slice()).unwrap(),
            TickPb {
                index: i as u32,
                id: "t".into()
            }
        );
    }
    let Kind::Response(r) = &run.frames[3] else {
        panic!("last frame is not the response")
    };
    assert_eq!(r.id, 8);
    let response =
        eventwire_schema::project_pb::FfiResponse::decode(r.response.as_slice()).unwrap();
    assert_eq!(
        EmitNotificationsResultPb::decode(response.payload.as_slice())
            .unwrap()
            .emitted,
        3
    );
}

#[test]
fn cancel_answers_cancelled_and_unknown_ids_are_ignored() {
    let mut input = request_with_timeout(3, "Sleep", &sleep(600_000), 600_000);
    input.extend(cancel(3));
    input.extend(cancel(3));
    input.extend(cancel(12345));
    input.extend(cancel(0));
    let run = run(&[], &input);
    assert!(run.status.success());
    assert_eq!(
        error_code(&response(&run.frames, 3)),
        ErrorCode::Cancelled as i32
    );
    assert_eq!(
        run.frames.len(),
        1,
        "cancels produce no frames: {:?}",
        run.frames
    );
}

#[test]
fn per_request_timeout_overrides_the_event_deadline() {
    // Sleep's table deadline is 200 ms: a shorter per-request deadline ends it, a longer one lets
    // it finish.
    let mut input = request_with_timeout(1, "Sleep", &sleep(1000), 20);
    input.extend(request_with_timeout(2, "Sleep", &sleep(300), 60_000));
    input.extend(request(3, "Sleep", &sleep(1000)));
    let run = run(&[], &input);
    assert!(run.status.success());
    assert_eq!(
        error_code(&response(&run.frames, 1)),
        ErrorCode::RequestTimeout as i32
    );
    assert_eq!(
        SleepResultPb::decode(response(&run.frames, 2).payload.as_slice())
            .unwrap()
            .slept_millis,
        300
    );
    assert_eq!(
        error_code(&response(&run.frames, 3)),
        ErrorCode::RequestTimeout as i32
    );
}

#[test]
fn frames_a_backend_does_not_accept_get_faults_and_the_stream_continues() {
    let mut input = framing_encode(&[0xff, 0xff, 0xff]); // not a StreamFrame
    input.extend(framing_encode(&[])); // no kind
    input.extend(framing_encode(&[0x48, 0x01])); // a kind this backend does not know
    input.extend(frame(Kind::Request(
        eventwire_schema::project_pb::StreamRequest {
            id: 0,
            request: vec![],
            timeout_ms: 0,
        },
    )));
    input.extend(frame(Kind::Response(StreamResponse {
        id: 41,
        response: vec![],
    })));
    input.extend(frame(Kind::Fault(StreamFault {
        id: 42,
        error: vec![],
        closing: false,
    })));
    input.extend(frame(Kind::Notification(Default::default())));
    input.extend(ping(9));
    let run = run(&[], &input);
    assert!(run.status.success());
    let faults = faults(&run.frames);
    let ids: Vec<u64> = faults.iter().map(|(f, _)| f.id).collect();
    // Every one carries id 0 (REQ-TRANS-STREAM-5): none refuses a request the front end waits for.
    assert_eq!(ids, [0, 0, 0, 0, 0, 0, 0]);
    for (fault, error) in &faults {
        assert!(!fault.closing);
        assert_eq!(error.code, ErrorCode::InvalidRequest as i32);
        assert_eq!(error.category, ErrorCode::InvalidRequest.category() as i32);
    }
    assert_eq!(response(&run.frames, 9).code, 0);
}

#[test]
fn malformed_envelopes_are_answered_not_faulted() {
    let input = frame(Kind::Request(eventwire_schema::project_pb::StreamRequest {
        id: 6,
        request: vec![0xff, 0x01],
        timeout_ms: 0,
    }));
    let run = run(&[], &input);
    assert_eq!(
        error_code(&response(&run.frames, 6)),
        ErrorCode::InvalidRequest as i32
    );
    assert!(faults(&run.frames).is_empty());
}

#[test]
fn a_duplicate_in_flight_id_is_faulted_with_id_0_and_the_first_request_is_unaffected() {
    // The fault must not name 7: a front end completes the pending request a fault names
    // (REQ-TRANS-STREAM-10), and request 7 is unaffected (REQ-TRANS-STREAM-5 e).
    let mut input = request_with_timeout(7, "Sleep", &sleep(600_000), 600_000);
    input.extend(ping(7));
    input.extend(cancel(7));
    let run = run(&[], &input);
    assert!(run.status.success());
    let faults = faults(&run.frames);
    assert_eq!(faults.len(), 1);
    assert_eq!(
        (faults[0].0.id, faults[0].0.closing, faults[0].1.code),
        (0, false, ErrorCode::InvalidRequest as i32)
    );
    assert_eq!(
        error_code(&response(&run.frames, 7)),
        ErrorCode::Cancelled as i32
    );
}

#[test]
fn response_and_fault_frames_from_the_front_end_are_faulted_with_id_0() {
    // A response{7} or fault{7} frame while request 7 is pending: the fault carries id 0, so
    // the front end does not fail request 7, which is answered normally.
    let mut input = request(7, "Sleep", &sleep(50));
    input.extend(frame(Kind::Response(StreamResponse {
        id: 7,
        response: vec![],
    })));
    input.extend(frame(Kind::Fault(StreamFault {
        id: 7,
        error: vec![],
        closing: false,
    })));
    let run = run(&[], &input);
    assert!(run.status.success());
    let faults = faults(&run.frames);
    assert_eq!(faults.len(), 2);
    assert!(faults.iter().all(|(f, e)| (f.id, f.closing, e.code) == (0, false, ErrorCode::InvalidRequest as i32)));
    assert_eq!(response(&run.frames, 7).code, 0, "request 7 answered OK");
}

#[test]
fn an_oversized_length_prefix_closes_the_stream_after_answering_in_flight_requests() {
    let mut input = request(1, "Sleep", &sleep(50));
    input.extend(0xffff_ffffu32.to_le_bytes());
    input.extend(ping(2)); // never read
    let run = run(&[], &input);
    assert!(!run.status.success());
    assert_eq!(run.status.code(), Some(1));
    let faults = faults(&run.frames);
    assert_eq!(faults.len(), 1);
    assert_eq!((faults[0].0.id, faults[0].0.closing), (0, true));
    assert_eq!(faults[0].1.code, ErrorCode::PayloadTooLarge as i32);
    assert_eq!(response(&run.frames, 1).code, 0);
    assert!(responses(&run.frames).iter().all(|(id, _)| *id != 2));
}

#[test]
fn the_frame_limit_follows_max_payload_bytes() {
    let config = config_file("small-frames.json", r#"{"max_payload_bytes": 100}"#);
    let limit = 100 + 65536;
    let mut at_limit = (limit as u32).to_le_bytes().to_vec();
    at_limit.extend(vec![0u8; limit]); // a body of zeros: field 0 is invalid, so a fault
    at_limit.extend(ping(1));
    let run1 = run(&["--config", &config], &at_limit);
    assert!(run1.status.success());
    assert!(faults(&run1.frames).iter().all(|(f, _)| !f.closing));
    assert_eq!(response(&run1.frames, 1).code, 0);

    let over = ((limit + 1) as u32).to_le_bytes();
    let run2 = run(&["--config", &config], &over);
    assert_eq!(run2.status.code(), Some(1));
    let faults = faults(&run2.frames);
    assert_eq!(
        (faults.len(), faults[0].0.closing, faults[0].1.code),
        (1, true, ErrorCode::PayloadTooLarge as i32)
    );
}

#[test]
fn input_ending_inside_a_frame_is_a_closing_fault() {
    for tail in [&[5u8, 0][..], &[5, 0, 0, 0, 1, 2][..]] {
        let mut input = request(1, "Sleep", &sleep(30));
        input.extend(tail);
        let run = run(&[], &input);
        assert_eq!(run.status.code(), Some(1), "tail {tail:?}");
        let faults = faults(&run.frames);
        assert_eq!(faults.len(), 1);
        assert_eq!((faults[0].0.id, faults[0].0.closing), (0, true));
        assert_eq!(faults[0].1.code, ErrorCode::InvalidRequest as i32);
        assert_eq!(response(&run.frames, 1).code, 0);
    }
}

#[test]
fn clean_end_of_input_answers_in_flight_requests_then_exits_zero() {
    let mut input = request(1, "Sleep", &sleep(50));
    input.extend(request(2, "Sleep", &sleep(10)));
    let run = run(&[], &input);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(responses(&run.frames).len(), 2);
    assert_eq!(response(&run.frames, 1).code, 0);
    assert_eq!(response(&run.frames, 2).code, 0);

    let empty = run_with(&[], |_| true);
    assert_eq!(empty.status.code(), Some(0));
    assert!(empty.frames.is_empty());
}

#[test]
fn capabilities_restrict_the_connection() {
    let sign_in = SignInPayloadPb {
        email: "ada@example.org".into(),
        password: "pw".into(),
        name: "Ada".into(),
    };
    let mut input = ping(1);
    input.extend(request(2, "SignIn", &sign_in));
    let run = run(&["--capabilities", "conformance.Ping,nosuch.*"], &input);
    assert!(run.status.success());
    assert_eq!(response(&run.frames, 1).code, 0);
    assert_eq!(
        error_code(&response(&run.frames, 2)),
        ErrorCode::PermissionDenied as i32
    );
    assert!(notifications(&run.frames).is_empty());
}

#[test]
fn command_line_and_configuration_errors_exit_two() {
    let status = |args: &[&str]| {
        std::process::Command::new(host())
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let bad = config_file("bad.json", r#"{"max_in_flight": 0}"#);
    assert_eq!(
        status(&["--stdio", "--config", &bad]).status.code(),
        Some(2)
    );
    // The C ABI's zero-length configuration means the defaults; an empty file is refused.
    let empty = config_file("empty.json", "");
    let refused = status(&["--stdio", "--config", &empty]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("empty.json: empty file"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(
        status(&["--stdio", "--config", "/nonexistent/eventwire.json"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        status(&["--stdio", "--capabilities", "User.*"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(status(&[]).status.code(), Some(2));
    let version = status(&["--version"]);
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
    let help = status(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--stdio"));
}

#[test]
fn patterns_naming_nothing_are_warned_about_from_both_sets() {
    let config = config_file(
        "warn.json",
        r#"{"capabilities": ["nosuch.*", "conformance.Ping"]}"#,
    );
    let output = std::process::Command::new(host())
        .args([
            "--stdio",
            "--config",
            &config,
            "--capabilities",
            "conformance.*,user.Ping",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    assert!(
        warnings[0].contains("`nosuch.*` names no module or event"),
        "{stderr}"
    );
    assert!(
        warnings[1].contains("`user.Ping` names no module or event"),
        "{stderr}"
    );
}

fn framing_encode(body: &[u8]) -> Vec<u8> {
    eventwire::framing::encode(body)
}

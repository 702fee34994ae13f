//! The reference binding as a stream front end (SPEC.md sections 13.3 and 16.5), against the
//! backend a `stream_client` case scripts: it sends its handshake first, determines the outcome
//! from the answer, fails calls to missing events locally, and completes calls by the frames it
//! reads as REQ-TRANS-STREAM-10 says.

use std::collections::BTreeMap;

use eventwire::{HandshakeOutcome, handshake::handshake_of};
use eventwire_schema::{
    pb::{self, ErrorCode, FlowyError, StreamFrame, StreamRequest, stream_frame::Kind},
    testee_pb::{self, HandshakeOutcomeKind, case_result::Result as R, interpreted::Outcome},
};
use prost::Message;

use super::{Flaw, binding};

/// What the front end announces: the project's schema, from which this binding is built.
fn own_handshake() -> pb::StreamHandshake {
    handshake_of([
        &eventwire_conformance_module::SCHEMA,
        &eventwire_sample_app::SCHEMA,
    ])
}

fn frame(kind: Kind) -> Vec<u8> {
    StreamFrame { kind: Some(kind) }.encode_to_vec()
}

fn error_outcome(error: FlowyError) -> testee_pb::Interpreted {
    testee_pb::Interpreted {
        outcome: Some(Outcome::Error(error)),
    }
}

fn outcome_pb(
    ours: &pb::StreamHandshake,
    outcome: &HandshakeOutcome,
) -> testee_pb::HandshakeOutcome {
    let mut pb = testee_pb::HandshakeOutcome {
        front_end_version: ours.protocol_version,
        ..Default::default()
    };
    pb.kind = match outcome {
        HandshakeOutcome::Identical => HandshakeOutcomeKind::Identical,
        HandshakeOutcome::Compatible { missing } => {
            pb.missing_events = missing.clone();
            HandshakeOutcomeKind::Compatible
        }
        HandshakeOutcome::Incompatible(i) => {
            pb.front_end_version = i.front_end_version;
            pb.backend_version = i.backend_version;
            if let Some(event) = &i.event {
                pb.event = event.clone();
                pb.module = i.module.clone();
                pb.front_end_module_fingerprint = i.front_end_module_fingerprint.clone();
                pb.backend_module_fingerprint = i.backend_module_fingerprint.clone();
                pb.front_end_event_fingerprint = i.front_end_event_fingerprint.clone();
                pb.backend_event_fingerprint = i.backend_event_fingerprint.clone();
            }
            HandshakeOutcomeKind::Incompatible
        }
        HandshakeOutcome::NoHandshake => HandshakeOutcomeKind::NoHandshake,
    } as i32;
    pb
}

/// Runs a `stream_client` case.
pub fn run(op: &testee_pb::StreamClientOp, flaw: Option<&Flaw>) -> R {
    let ours = own_handshake();
    let mut written = vec![frame(Kind::Handshake(ours.clone()))];

    // The answer: the first handshake frame, or the first fault with id 0 (REQ-VER-16);
    // notifications may come before it.
    let mut outcome = None;
    for body in &op.handshake_answer {
        match StreamFrame::decode(body.as_slice()).map(|f| f.kind) {
            Ok(Some(Kind::Handshake(theirs))) => {
                outcome = Some(HandshakeOutcome::compare(&ours, &theirs));
                break;
            }
            Ok(Some(Kind::Fault(f))) if f.id == 0 => {
                outcome = Some(HandshakeOutcome::NoHandshake);
                break;
            }
            _ => {}
        }
    }
    let Some(mut outcome) = outcome else {
        return R::Unsupported(
            "the handshake answer holds neither a handshake nor a fault with id 0".into(),
        );
    };
    if flaw == Some(&Flaw::IgnoreHandshakeOutcome) {
        outcome = HandshakeOutcome::NoHandshake;
    }

    // The calls: a request each, or a local answer for a missing event (REQ-VER-17).
    let mut results: Vec<Option<testee_pb::Interpreted>> = vec![None; op.calls.len()];
    let mut pending: BTreeMap<u64, usize> = BTreeMap::new();
    let mut next_id = 1u64;
    for (i, call) in op.calls.iter().enumerate() {
        if outcome.missing().iter().any(|m| m == &call.event) {
            results[i] = Some(error_outcome(FlowyError::new(
                ErrorCode::UnknownEvent,
                format!(
                    "{}: the backend lacks this event (handshake: compatible)",
                    call.event
                ),
            )));
            continue;
        }
        let request = match binding::build_request(&testee_pb::BuildRequestOp {
            event: call.event.clone(),
            input_json: call.input_json.clone(),
        }) {
            R::Data(request) => request,
            other => {
                return R::Unsupported(format!("call {i}: cannot build its request: {other:?}"));
            }
        };
        written.push(frame(Kind::Request(StreamRequest {
            id: next_id,
            request,
            timeout_ms: 0,
        })));
        pending.insert(next_id, i);
        next_id += 1;
    }

    // The backend's frames (REQ-TRANS-STREAM-10).
    for body in &op.frames {
        match StreamFrame::decode(body.as_slice()).map(|f| f.kind) {
            Ok(Some(Kind::Response(r))) => {
                if let Some(i) = pending.remove(&r.id) {
                    let event = op.calls[i].event.clone();
                    let interpreted = binding::interpret_response(
                        &testee_pb::InterpretResponseOp {
                            event,
                            response: r.response,
                        },
                        flaw,
                    );
                    results[i] = Some(match interpreted {
                        R::Interpreted(x) => x,
                        other => return R::Unsupported(format!("call {i}: {other:?}")),
                    });
                }
            }
            Ok(Some(Kind::Fault(f))) => {
                let error = FlowyError::decode(f.error.as_slice()).unwrap_or_else(|e| {
                    FlowyError::new(
                        ErrorCode::Internal,
                        format!("fault: its error is not a FlowyError: {e}"),
                    )
                });
                let id = match flaw {
                    // A flawed front end that reads a fault with id 0 as refusing its oldest request.
                    Some(Flaw::FaultIdZeroFailsOldest) if f.id == 0 => {
                        pending.keys().next().copied().unwrap_or(0)
                    }
                    _ => f.id,
                };
                if id != 0 {
                    if let Some(i) = pending.remove(&id) {
                        results[i] = Some(error_outcome(error));
                    }
                }
                if f.closing {
                    break;
                }
            }
            _ => {}
        }
    }
    // The end of the backend's output.
    for (_, i) in pending {
        results[i] = Some(error_outcome(FlowyError::new(
            ErrorCode::TransportClosed,
            "the transport closed before the response",
        )));
    }
    R::StreamClient(testee_pb::StreamClientResult {
        written,
        handshake: Some(outcome_pb(&ours, &outcome)),
        calls: results
            .into_iter()
            .map(|r| r.expect("every call completed"))
            .collect(),
    })
}

//! Comparing a testee's answer with a case's expectation, by structure.
//!
//! Codes, categories, bytes and parsed proto-JSON values are compared; messages meant for humans
//! (`FlowyError.msg`, `Failure.message`, `Malformed.message`) never are. The error text of a
//! mismatch says what was expected and what came back, so a failure can be read without tools.

use eventwire_schema::{
    pb::{self, ErrorCategory, ErrorCode, FfiResponse, FfiStatusCode, FlowyError, SubscribeObject},
    testee_pb::{self, FailureKind, MalformedKind, case_result::Result as R},
};
use prost::Message;
use prost_reflect::DynamicMessage;

use crate::{
    case::{
        Content, Delivery, Expect, ExpectedError, Interpreted, Notification, Response, Step,
        SubscriberExpect,
    },
    json,
};

/// `Ok` when `result` is what `expect` asks for.
pub fn check(expect: &Expect, result: &testee_pb::CaseResult) -> Result<(), String> {
    let Some(result) = &result.result else {
        return Err("the testee answered an empty CaseResult".into());
    };
    match (expect, result) {
        (Expect::Data(e), R::Data(a)) => bytes("data", e, a),
        (Expect::DataAnyOf(allowed), R::Data(a)) => {
            if allowed.iter().any(|e| e == a) {
                Ok(())
            } else {
                Err(format!(
                    "data is none of the {} allowed encodings\n  allowed:  {}\n  actual:   {}",
                    allowed.len(),
                    allowed
                        .iter()
                        .map(hex::encode)
                        .collect::<Vec<_>>()
                        .join(" | "),
                    hex::encode(a)
                ))
            }
        }
        (Expect::Json(e), R::Json(a)) => {
            let a: serde_json::Value = serde_json::from_str(a)
                .map_err(|err| format!("the answer is not JSON ({err}): {a}"))?;
            json::compare(e, &a)
        }
        (Expect::Failure(e), R::Failure(a)) => {
            if a.kind == *e as i32 {
                Ok(())
            } else {
                Err(format!(
                    "expected failure {}, got failure {}",
                    e.as_str_name(),
                    failure_name(a.kind)
                ))
            }
        }
        (Expect::Interpreted(e), R::Interpreted(a)) => interpreted(e, a),
        (
            Expect::Routed {
                deliveries,
                malformed,
            },
            R::Routed(a),
        ) => routed(deliveries, malformed, a),
        (Expect::Dispatched { steps, subscribers }, R::Dispatched(a)) => {
            dispatched(steps, subscribers, a)
        }
        (
            Expect::Stream {
                responses,
                faults,
                handshakes,
            },
            R::StreamOutput(a),
        ) => stream(responses, faults, *handshakes, a),
        (Expect::StreamClient { outcome, calls }, R::StreamClient(a)) => {
            stream_client(outcome, calls, a)
        }
        (e, a) => Err(format!(
            "expected {}, got {}",
            describe_expect(e),
            describe_result(a)
        )),
    }
}

fn bytes(what: &str, expected: &[u8], actual: &[u8]) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    let at = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    Err(format!(
        "{what} differs at byte {at}\n  expected: {}\n  actual:   {}",
        hex::encode(expected),
        hex::encode(actual)
    ))
}

fn failure_name(kind: i32) -> String {
    FailureKind::try_from(kind)
        .map(|k| k.as_str_name().to_owned())
        .unwrap_or_else(|_| kind.to_string())
}

fn malformed_name(kind: i32) -> String {
    MalformedKind::try_from(kind)
        .map(|k| k.as_str_name().to_owned())
        .unwrap_or_else(|_| kind.to_string())
}

/// The category a receiver decides by (SPEC.md REQ-ERR-9): the schema's for a declared code; the
/// received one for an undeclared code, unless it is UNSPECIFIED or undeclared (then INTERNAL).
pub fn resolved_category(code: i32, received: i32) -> i32 {
    match declared_category(code) {
        Some(c) => c as i32,
        None => match ErrorCategory::try_from(received) {
            Ok(ErrorCategory::Unspecified) | Err(_) => ErrorCategory::Internal as i32,
            Ok(c) => c as i32,
        },
    }
}

/// The category the suite's schema gives a code: the protocol's `ErrorCode`, or an application
/// code one of its tables declares (the sample application's `SampleErrorCode`).
pub fn declared_category(code: i32) -> Option<ErrorCategory> {
    match ErrorCode::try_from(code) {
        Ok(c) => Some(c.category()),
        Err(_) => eventwire_schema::tables()
            .error_codes()
            .iter()
            .find(|c| c.number == code)
            .map(|c| c.category),
    }
}

/// A code by name: `INVALID_PARAMS` or `ERROR_CODE_INVALID_PARAMS` for the protocol's, the short
/// or full value name (`EMAIL_FORMAT_INVALID`, `SAMPLE_ERROR_CODE_EMAIL_FORMAT_INVALID`) for an
/// application code the tables declare.
pub fn code_by_name(name: &str) -> Option<i32> {
    ErrorCode::from_str_name(name)
        .or_else(|| ErrorCode::from_str_name(&format!("ERROR_CODE_{name}")))
        .map(|c| c as i32)
        .or_else(|| {
            eventwire_schema::tables()
                .error_codes()
                .iter()
                .find(|c| c.name == name || c.value == name)
                .map(|c| c.number)
        })
}

pub(crate) fn code_name(code: i32) -> String {
    match ErrorCode::try_from(code) {
        Ok(c) => c.as_str_name().to_owned(),
        Err(_) => eventwire_schema::tables()
            .error_codes()
            .iter()
            .find(|c| c.number == code)
            .map_or_else(|| code.to_string(), |c| c.value.clone()),
    }
}

pub(crate) fn category_name(category: i32) -> String {
    ErrorCategory::try_from(category)
        .map(|c| c.as_str_name().to_owned())
        .unwrap_or_else(|_| category.to_string())
}

fn describe_expect(e: &Expect) -> String {
    match e {
        Expect::Data(d) => format!("data {}", hex::encode(d)),
        Expect::DataAnyOf(list) => format!("one of {} encodings", list.len()),
        Expect::Json(j) => format!("json {j}"),
        Expect::Failure(k) => format!("failure {}", k.as_str_name()),
        Expect::Interpreted(_) => "an interpreted response".into(),
        Expect::Routed { .. } => "routed notifications".into(),
        Expect::Dispatched { .. } => "dispatched steps".into(),
        Expect::Stream { .. } => "stream frames".into(),
        Expect::StreamClient { .. } => "a stream client's outcome".into(),
    }
}

fn describe_result(r: &R) -> String {
    match r {
        R::Data(d) => format!("data {}", hex::encode(d)),
        R::Json(j) => format!("json {j}"),
        R::Failure(f) => format!("failure {} ({})", failure_name(f.kind), f.message),
        R::Interpreted(_) => "an interpreted response".into(),
        R::Routed(_) => "routed notifications".into(),
        R::Dispatched(_) => "dispatched steps".into(),
        R::StreamOutput(o) => format!("{} stream frames", o.frames.len()),
        R::StreamClient(o) => format!(
            "a stream client's outcome ({} frames written)",
            o.written.len()
        ),
        R::Unsupported(why) => format!("unsupported ({why})"),
    }
}

/// The frames a stream backend wrote: the ids of its responses (in ascending order, since a
/// pipelined backend answers in completion order) and its faults, in order; nothing else but
/// notifications.
fn stream(
    responses: &[u64],
    faults: &[crate::case::StreamFault],
    handshakes: usize,
    a: &testee_pb::StreamOutput,
) -> Result<(), String> {
    use eventwire_schema::pb::{StreamFrame, stream_frame::Kind};
    let mut got_responses = Vec::new();
    let mut got_faults = Vec::new();
    let mut got_handshakes = 0;
    for (i, body) in a.frames.iter().enumerate() {
        match StreamFrame::decode(body.as_slice()).map(|f| f.kind) {
            Ok(Some(Kind::Response(r))) => got_responses.push(r.id),
            Ok(Some(Kind::Handshake(h))) => {
                announces_the_project_schema(&format!("frame {i}: the backend's handshake"), &h)?;
                got_handshakes += 1;
            }
            Ok(Some(Kind::Fault(f))) => {
                let error = FlowyError::decode(f.error.as_slice()).map_err(|e| {
                    format!("frame {i}: the fault's error is not a FlowyError ({e})")
                })?;
                got_faults.push((f.id, f.closing, error));
            }
            Ok(Some(Kind::Notification(_))) => {}
            Ok(other) => return Err(format!("frame {i}: a backend sends no {other:?}")),
            Err(e) => return Err(format!("frame {i}: not a StreamFrame ({e})")),
        }
    }
    if got_handshakes != handshakes {
        return Err(format!(
            "expected {handshakes} handshake frames, got {got_handshakes}"
        ));
    }
    got_responses.sort_unstable();
    if got_responses != responses {
        return Err(format!(
            "expected responses for ids {responses:?}, got {got_responses:?}"
        ));
    }
    if got_faults.len() != faults.len() {
        return Err(format!(
            "expected {} faults, got {}: {:?}",
            faults.len(),
            got_faults.len(),
            got_faults.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>()
        ));
    }
    for (i, (e, (id, closing, error))) in faults.iter().zip(&got_faults).enumerate() {
        if (e.id, e.closing) != (*id, *closing) {
            return Err(format!(
                "fault {i}: expected id {} closing {}, got id {id} closing {closing} (msg {:?})",
                e.id, e.closing, error.msg
            ));
        }
        self::error(&format!("fault {i}"), &e.error, error)?;
    }
    Ok(())
}

/// A handshake announcing version 1 and every module of the project's schema with its
/// fingerprints (SPEC.md REQ-VER-13, REQ-VER-14); other modules may follow theirs.
fn announces_the_project_schema(what: &str, h: &pb::StreamHandshake) -> Result<(), String> {
    if h.protocol_version != 1 {
        return Err(format!(
            "{what}: protocol_version {}, expected 1",
            h.protocol_version
        ));
    }
    let names: Vec<&str> = h.modules.iter().map(|m| m.name.as_str()).collect();
    if names.windows(2).any(|w| w[0].as_bytes() >= w[1].as_bytes()) {
        return Err(format!(
            "{what}: modules not in ascending order of name: {names:?}"
        ));
    }
    for expected in crate::bytes_spec::reference_handshake().modules {
        let Some(got) = h.modules.iter().find(|m| m.name == expected.name) else {
            return Err(format!(
                "{what}: module `{}` is not announced (got {names:?})",
                expected.name
            ));
        };
        for e in &expected.events {
            match got.events.iter().find(|g| g.name == e.name) {
                None => {
                    return Err(format!(
                        "{what}: event `{}` of module `{}` is not announced",
                        e.name, expected.name
                    ));
                }
                Some(g) if g.id != e.id || g.fingerprint != e.fingerprint => {
                    return Err(format!(
                        "{what}: event `{}`: expected id {} fingerprint {}, got id {} fingerprint {}",
                        e.name,
                        e.id,
                        hex::encode(&e.fingerprint),
                        g.id,
                        hex::encode(&g.fingerprint)
                    ));
                }
                Some(_) => {}
            }
        }
        if got.events.len() != expected.events.len()
            || got.events.windows(2).any(|w| w[0].id >= w[1].id)
        {
            return Err(format!(
                "{what}: module `{}`: expected its {} events in ascending id, got {:?}",
                expected.name,
                expected.events.len(),
                got.events.iter().map(|e| e.id).collect::<Vec<_>>()
            ));
        }
        if got.fingerprint != expected.fingerprint {
            return Err(format!(
                "{what}: module `{}`: expected fingerprint {}, got {}",
                expected.name,
                hex::encode(&expected.fingerprint),
                hex::encode(&got.fingerprint)
            ));
        }
    }
    Ok(())
}

/// A stream front end's report: its handshake first, its requests for exactly the calls that
/// were sent, the outcome, and each call's completion.
fn stream_client(
    outcome: &crate::case::ExpectedOutcome,
    calls: &[crate::case::CallExpect],
    a: &testee_pb::StreamClientResult,
) -> Result<(), String> {
    use eventwire_schema::pb::{StreamFrame, stream_frame::Kind};
    let mut written = a.written.iter().enumerate();
    let Some((_, first)) = written.next() else {
        return Err(
            "the binding wrote nothing: its first frame is its handshake (REQ-VER-16)".into(),
        );
    };
    match StreamFrame::decode(first.as_slice()).map(|f| f.kind) {
        Ok(Some(Kind::Handshake(h))) => {
            announces_the_project_schema("the binding's handshake", &h)?
        }
        other => {
            return Err(format!(
                "the binding's first frame is {other:?}, not its handshake (REQ-VER-16)"
            ));
        }
    }
    let mut requests = Vec::new();
    for (i, body) in written {
        match StreamFrame::decode(body.as_slice()).map(|f| f.kind) {
            Ok(Some(Kind::Request(r))) => {
                let request = pb::FfiRequest::decode(r.request.as_slice()).map_err(|e| {
                    format!("written frame {i}: its request is not an FFIRequest ({e})")
                })?;
                requests.push((r.id, request.event));
            }
            Ok(Some(Kind::Cancel(_))) => {}
            other => {
                return Err(format!(
                    "written frame {i}: a front end sends no {other:?} here"
                ));
            }
        }
    }
    let expected_sent = calls.iter().filter(|c| c.sent).count();
    if requests.len() != expected_sent {
        return Err(format!(
            "expected {expected_sent} request frames (for the calls {:?}), got {}: {:?}",
            calls
                .iter()
                .enumerate()
                .filter(|(_, c)| c.sent)
                .map(|(i, _)| i)
                .collect::<Vec<_>>(),
            requests.len(),
            requests
        ));
    }
    for (n, (id, _)) in requests.iter().enumerate() {
        if *id != n as u64 + 1 {
            return Err(format!(
                "request frame {n} has id {id}; the operation numbers requests 1, 2, ... in order"
            ));
        }
    }
    let Some(got) = &a.handshake else {
        return Err("the binding reported no handshake outcome".into());
    };
    if got.kind != outcome.kind as i32 {
        return Err(format!(
            "expected outcome {}, got {} (missing {:?}, event {:?})",
            outcome.kind.as_str_name(),
            testee_pb::HandshakeOutcomeKind::try_from(got.kind)
                .map_or_else(|_| got.kind.to_string(), |k| k.as_str_name().to_owned()),
            got.missing_events,
            got.event
        ));
    }
    match outcome.kind {
        testee_pb::HandshakeOutcomeKind::Compatible if got.missing_events != outcome.missing => {
            return Err(format!(
                "expected missing events {:?}, got {:?}",
                outcome.missing, got.missing_events
            ));
        }
        testee_pb::HandshakeOutcomeKind::Incompatible => {
            let backend = outcome
                .backend
                .as_ref()
                .ok_or("an incompatible case sends a handshake")?;
            if (got.front_end_version, got.backend_version) != (1, backend.protocol_version) {
                return Err(format!(
                    "expected versions 1 (front end) and {} (backend), got {} and {}",
                    backend.protocol_version, got.front_end_version, got.backend_version
                ));
            }
            let got_event = (!got.event.is_empty()).then(|| got.event.clone());
            if got_event != outcome.event {
                return Err(format!(
                    "expected first differing event {:?}, got {:?}",
                    outcome.event, got_event
                ));
            }
            if let Some(name) = &outcome.event {
                let ours = crate::bytes_spec::reference_handshake();
                let find = |h: &pb::StreamHandshake| {
                    h.modules.iter().find_map(|m| {
                        m.events
                            .iter()
                            .find(|e| &e.name == name)
                            .map(|e| (m.name.clone(), m.fingerprint.clone(), e.fingerprint.clone()))
                    })
                };
                let (module, front_module, front_event) =
                    find(&ours).ok_or("the event is in the project's schema")?;
                let (_, back_module, back_event) =
                    find(backend).ok_or("the event is in the backend's handshake")?;
                let pairs = [
                    (
                        "module",
                        &module.as_bytes().to_vec(),
                        &got.module.as_bytes().to_vec(),
                    ),
                    (
                        "front_end_module_fingerprint",
                        &front_module,
                        &got.front_end_module_fingerprint,
                    ),
                    (
                        "backend_module_fingerprint",
                        &back_module,
                        &got.backend_module_fingerprint,
                    ),
                    (
                        "front_end_event_fingerprint",
                        &front_event,
                        &got.front_end_event_fingerprint,
                    ),
                    (
                        "backend_event_fingerprint",
                        &back_event,
                        &got.backend_event_fingerprint,
                    ),
                ];
                for (what, e, g) in pairs {
                    bytes(what, e, g)?;
                }
            }
        }
        _ => {}
    }
    if a.calls.len() != calls.len() {
        return Err(format!(
            "expected {} call results, got {}",
            calls.len(),
            a.calls.len()
        ));
    }
    for (i, (e, got)) in calls.iter().zip(&a.calls).enumerate() {
        interpreted(&e.result, got).map_err(|err| format!("call {i}: {err}"))?;
    }
    Ok(())
}

fn error(what: &str, e: &ExpectedError, a: &FlowyError) -> Result<(), String> {
    if a.code != e.code || a.category != e.category {
        return Err(format!(
            "{what}: expected error {} / {}, got {} / {} (msg {:?})",
            code_name(e.code),
            category_name(e.category),
            code_name(a.code),
            category_name(a.category),
            a.msg
        ));
    }
    match &e.payload {
        Some(p) => bytes(&format!("{what}: error payload"), p, &a.payload),
        None => Ok(()),
    }
}

fn interpreted(e: &Interpreted, a: &testee_pb::Interpreted) -> Result<(), String> {
    use testee_pb::interpreted::Outcome as O;
    match (e, &a.outcome) {
        (Interpreted::Output(e), Some(O::OutputJson(a))) => {
            let a: serde_json::Value = serde_json::from_str(a)
                .map_err(|err| format!("output_json is not JSON ({err}): {a}"))?;
            json::compare(e, &a).map_err(|d| format!("output: {d}"))
        }
        (Interpreted::Error(e), Some(O::Error(a))) => error("error", e, a),
        (Interpreted::Malformed(e), Some(O::Malformed(a))) if a.kind == *e as i32 => Ok(()),
        (e, a) => Err(format!(
            "expected {}, got {}",
            describe_interpreted(e),
            describe_outcome(a.as_ref())
        )),
    }
}

fn describe_interpreted(e: &Interpreted) -> String {
    match e {
        Interpreted::Output(j) => format!("output {j}"),
        Interpreted::Error(e) => format!(
            "error {} / {}",
            code_name(e.code),
            category_name(e.category)
        ),
        Interpreted::Malformed(k) => format!("malformed {}", k.as_str_name()),
    }
}

fn describe_outcome(o: Option<&testee_pb::interpreted::Outcome>) -> String {
    use testee_pb::interpreted::Outcome as O;
    match o {
        None => "no outcome".into(),
        Some(O::OutputJson(j)) => format!("output {j}"),
        Some(O::Error(e)) => format!(
            "error {} / {} (msg {:?})",
            code_name(e.code),
            category_name(e.category),
            e.msg
        ),
        Some(O::Malformed(m)) => format!("malformed {} ({})", malformed_name(m.kind), m.message),
    }
}

fn routed(deliveries: &[Delivery], malformed: &[u32], a: &testee_pb::Routed) -> Result<(), String> {
    use testee_pb::delivery::Content as C;
    if malformed != a.malformed.as_slice() {
        return Err(format!(
            "malformed notifications: expected {malformed:?}, got {:?}",
            a.malformed
        ));
    }
    let got: Vec<(u32, u32)> = a
        .deliveries
        .iter()
        .map(|d| (d.listener, d.notification))
        .collect();
    let want: Vec<(u32, u32)> = deliveries
        .iter()
        .map(|d| (d.listener, d.notification))
        .collect();
    if got != want {
        return Err(format!(
            "deliveries as (listener, notification): expected {want:?}, got {got:?}"
        ));
    }
    for (e, a) in deliveries.iter().zip(&a.deliveries) {
        let at = format!(
            "delivery of notification {} to listener {}",
            e.notification, e.listener
        );
        match (&e.content, &a.content) {
            (Content::Payload(e), Some(C::PayloadJson(a))) => {
                let a: serde_json::Value = serde_json::from_str(a)
                    .map_err(|err| format!("{at}: payload_json is not JSON ({err})"))?;
                json::compare(e, &a).map_err(|d| format!("{at}: {d}"))?;
            }
            (Content::Error(e), Some(C::Error(a))) => error(&at, e, a)?,
            (Content::Payload(_), _) => {
                return Err(format!("{at}: expected a payload, got {:?}", a.content));
            }
            (Content::Error(_), _) => {
                return Err(format!("{at}: expected an error, got {:?}", a.content));
            }
        }
    }
    Ok(())
}

fn dispatched(
    steps: &[Step],
    subscribers: &[SubscriberExpect],
    a: &testee_pb::Dispatched,
) -> Result<(), String> {
    if steps.len() != a.steps.len() {
        return Err(format!(
            "expected {} step results, got {}",
            steps.len(),
            a.steps.len()
        ));
    }
    for (i, (e, a)) in steps.iter().zip(&a.steps).enumerate() {
        let at = format!("step {i}");
        notifications(
            &at,
            "before the response",
            &e.notifications,
            &a.notifications,
        )?;
        response(&at, &e.response, &a.response)?;
        if let Some(arrival) = e.arrival
            && a.arrival != arrival
        {
            return Err(format!(
                "{at}: expected its response to arrive {}, got {}",
                ordinal(arrival),
                ordinal(a.arrival)
            ));
        }
    }
    if subscribers.len() != a.subscribers.len() {
        return Err(format!(
            "expected results for {} extra subscribers, got {}",
            subscribers.len(),
            a.subscribers.len()
        ));
    }
    for (i, (e, a)) in subscribers.iter().zip(&a.subscribers).enumerate() {
        let at = format!("subscriber {}", i + 1);
        notifications(&at, "in all", &e.notifications, &a.notifications)?;
        if let (Some(e), Some(a)) = (e.dropped, a.dropped)
            && e != a
        {
            return Err(format!("{at}: expected a drop counter of {e}, got {a}"));
        }
    }
    Ok(())
}

fn ordinal(n: u32) -> String {
    match n {
        0 => "at an unreported position".into(),
        n => format!("as response number {n}"),
    }
}

fn notifications(
    at: &str,
    when: &str,
    expected: &[Notification],
    actual: &[Vec<u8>],
) -> Result<(), String> {
    if expected.len() != actual.len() {
        return Err(format!(
            "{at}: expected {} notifications {when}, got {}{}",
            expected.len(),
            actual.len(),
            summarize_notifications(actual)
        ));
    }
    for (j, (en, an)) in expected.iter().zip(actual).enumerate() {
        notification(&format!("{at}, notification {j}"), en, an)?;
    }
    Ok(())
}

fn summarize_notifications(raw: &[Vec<u8>]) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = raw
        .iter()
        .map(|n| match SubscribeObject::decode(n.as_slice()) {
            Ok(n) => format!("{}/{} id {:?} seq {}", n.source, n.ty, n.id, n.seq),
            Err(_) => format!("undecodable {}", hex::encode(n)),
        })
        .collect();
    format!(": {}", parts.join(", "))
}

fn notification(at: &str, e: &Notification, raw: &[u8]) -> Result<(), String> {
    let a = SubscribeObject::decode(raw)
        .map_err(|err| format!("{at}: not a SubscribeObject ({err}): {}", hex::encode(raw)))?;
    if (a.source.as_str(), a.ty, a.id.as_str()) != (e.source.as_str(), e.ty, e.id.as_str()) {
        return Err(format!(
            "{at}: expected ({}, {}, {:?}), got ({}, {}, {:?})",
            e.source, e.ty, e.id, a.source, a.ty, a.id
        ));
    }
    if let Some(seq) = e.seq
        && a.seq != seq
    {
        return Err(format!("{at}: expected seq {seq}, got {}", a.seq));
    }
    let payload = a
        .payload_oneof
        .as_ref()
        .map(|pb::subscribe_object::PayloadOneof::Payload(p)| p);
    let err = a
        .error_oneof
        .as_ref()
        .map(|pb::subscribe_object::ErrorOneof::Error(p)| p);
    match (&e.content, payload, err) {
        (Content::Payload(e), Some(p), None) => {
            let desc = eventwire_schema::tables()
                .notification(&a.source, a.ty)
                .map(|n| n.payload.clone())
                .ok_or_else(|| {
                    format!("{at}: ({}, {}) is not in the event tables", a.source, a.ty)
                })?;
            let m = DynamicMessage::decode(desc, p.as_slice())
                .map_err(|err| format!("{at}: payload does not decode ({err})"))?;
            json::compare(e, &json::to_value(&m)).map_err(|d| format!("{at}: payload {d}"))
        }
        (Content::Error(e), None, Some(p)) => {
            let a = FlowyError::decode(p.as_slice())
                .map_err(|err| format!("{at}: error is not a FlowyError ({err})"))?;
            error(at, e, &a)
        }
        (_, p, x) => Err(format!(
            "{at}: expected exactly one of payload and error ({}), got payload {} and error {}",
            match e.content {
                Content::Payload(_) => "payload",
                Content::Error(_) => "error",
            },
            if p.is_some() { "set" } else { "unset" },
            if x.is_some() { "set" } else { "unset" }
        )),
    }
}

fn response(at: &str, e: &Response, raw: &[u8]) -> Result<(), String> {
    let a = FfiResponse::decode(raw)
        .map_err(|err| format!("{at}: not an FFIResponse ({err}): {}", hex::encode(raw)))?;
    let describe = |a: &FfiResponse| -> String {
        if a.code == FfiStatusCode::Ok as i32 {
            format!("OK with payload {}", hex::encode(&a.payload))
        } else {
            match FlowyError::decode(a.payload.as_slice()) {
                Ok(err) => format!(
                    "status {} with error {} / {} (msg {:?})",
                    a.code,
                    code_name(err.code),
                    category_name(err.category),
                    err.msg
                ),
                Err(_) => format!("status {} with payload {}", a.code, hex::encode(&a.payload)),
            }
        }
    };
    match e {
        Response::Ok {
            output_type,
            json: ej,
            bytes: eb,
        } => {
            if a.code != FfiStatusCode::Ok as i32 {
                return Err(format!("{at}: expected OK, got {}", describe(&a)));
            }
            if let Some(eb) = eb {
                bytes(&format!("{at}: output"), eb, &a.payload)?;
            }
            match output_type {
                None if a.payload.is_empty() => Ok(()),
                None => Err(format!(
                    "{at}: an event without output answers an empty payload, got {}",
                    hex::encode(&a.payload)
                )),
                Some(ty) => {
                    let desc = json::message_type(ty)
                        .ok_or_else(|| format!("unknown output type {ty}"))?;
                    let m = DynamicMessage::decode(desc, a.payload.as_slice())
                        .map_err(|err| format!("{at}: output does not decode as {ty} ({err})"))?;
                    json::compare(ej, &json::to_value(&m)).map_err(|d| format!("{at}: output {d}"))
                }
            }
        }
        Response::Err(e) => {
            if a.code != FfiStatusCode::Err as i32 {
                return Err(format!(
                    "{at}: expected status ERR with {} / {}, got {}",
                    code_name(e.code),
                    category_name(e.category),
                    describe(&a)
                ));
            }
            let err = FlowyError::decode(a.payload.as_slice()).map_err(|x| {
                format!(
                    "{at}: ERR payload is not a FlowyError ({x}): {}",
                    hex::encode(&a.payload)
                )
            })?;
            error(at, e, &err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use testee_pb::CaseResult;

    fn result(r: R) -> CaseResult {
        CaseResult { result: Some(r) }
    }

    fn err(code: ErrorCode) -> ExpectedError {
        ExpectedError {
            code: code as i32,
            category: code.category() as i32,
            payload: None,
        }
    }

    #[test]
    fn data_must_match_exactly() {
        assert!(check(&Expect::Data(vec![1, 2]), &result(R::Data(vec![1, 2]))).is_ok());
        let e = check(&Expect::Data(vec![1, 2]), &result(R::Data(vec![1, 3]))).unwrap_err();
        assert!(e.contains("byte 1"), "{e}");
        assert!(check(&Expect::Data(vec![]), &result(R::Unsupported("no".into()))).is_err());
        let any = Expect::DataAnyOf(vec![vec![1, 2], vec![1, 2, 3]]);
        assert!(check(&any, &result(R::Data(vec![1, 2, 3]))).is_ok());
        assert!(
            check(&any, &result(R::Data(vec![1, 3])))
                .unwrap_err()
                .contains("none of the 2 allowed")
        );
    }

    #[test]
    fn errors_compare_code_and_category_never_msg() {
        let e = Expect::Interpreted(Interpreted::Error(err(ErrorCode::InvalidParams)));
        let ok = FlowyError::new(ErrorCode::InvalidParams, "whatever");
        let outcome = |f: FlowyError| {
            result(R::Interpreted(testee_pb::Interpreted {
                outcome: Some(testee_pb::interpreted::Outcome::Error(f)),
            }))
        };
        assert!(check(&e, &outcome(ok.clone())).is_ok());
        let mut wrong_category = ok.clone();
        wrong_category.category = ErrorCategory::Internal as i32;
        assert!(check(&e, &outcome(wrong_category)).is_err());
        assert!(check(&e, &outcome(FlowyError::new(ErrorCode::Internal, "x"))).is_err());
    }

    #[test]
    fn dispatched_responses_must_be_err_with_a_flowy_error() {
        let step = Step {
            response: Response::Err(err(ErrorCode::UnknownEvent)),
            notifications: vec![],
            arrival: None,
        };
        let good = FfiResponse {
            code: FfiStatusCode::Err as i32,
            payload: FlowyError::new(ErrorCode::UnknownEvent, "nope").encode_to_vec(),
        };
        let internal_status = FfiResponse {
            code: FfiStatusCode::Internal as i32,
            ..good.clone()
        };
        let text = FfiResponse {
            code: FfiStatusCode::Err as i32,
            payload: b"boom".to_vec(),
        };
        let run = |r: &FfiResponse| {
            check(
                &Expect::Dispatched {
                    steps: vec![step.clone()],
                    subscribers: vec![],
                },
                &result(R::Dispatched(testee_pb::Dispatched {
                    steps: vec![testee_pb::StepResult {
                        response: r.encode_to_vec(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })),
            )
        };
        assert!(run(&good).is_ok());
        assert!(run(&internal_status).is_err());
        assert!(run(&text).is_err());
    }
}

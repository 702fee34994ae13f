//! Suite files: `conformance/suites/*.yaml`, cases written as data.
//!
//! A file holds the cases of one role and one area:
//!
//! ```yaml
//! role: binding                 # or backend
//! area: interpret-response
//! cases:
//!   - id: err-with-flowy-error
//!     level: required           # or recommended
//!     requirements: [REQ-ENV-3]
//!     features: []              # testee features the case needs
//!     doc: What the case shows.
//!     interpret_response: {event: SignIn, response: {FFIResponse: {...}}}
//!     expect: {error: EMAIL_FORMAT_INVALID}
//! ```
//!
//! The operation keys (`encode`, `decode`, `round_trip`, `build_request`, `interpret_response`,
//! `route_notifications`, `dispatch`) and their expectations are described in
//! `conformance/INTERPRETING.md`; bytes are written as in [`crate::bytes_spec`]. The format is
//! published as a JSON Schema, `conformance/suite.schema.json`, which every suite file validates
//! against (tests/suite_schema.rs). Anywhere in a
//! file, `{$repeat: TEXT, $times: N}` stands for the string TEXT repeated N times.

use eventwire_schema::{
    pb::FfiRequest,
    tables,
    testee_pb::{self, FailureKind, MalformedKind, case::Op},
};
use prost::Message;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    bytes_spec,
    case::{
        Case, Content, Delivery, Expect, ExpectedError, Interpreted, Level, Notification, Response,
        Role, Step, SubscriberExpect,
    },
    json,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    role: String,
    area: String,
    #[serde(default)]
    doc: String,
    cases: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    level: String,
    requirements: Vec<String>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    doc: String,
    encode: Option<EncodeRaw>,
    decode: Option<TypedBytes>,
    round_trip: Option<TypedBytes>,
    build_request: Option<BuildRaw>,
    interpret_response: Option<InterpretRaw>,
    route_notifications: Option<RouteRaw>,
    dispatch: Option<DispatchRaw>,
    stream: Option<StreamRaw>,
    stream_client: Option<StreamClientRaw>,
    expect: Option<ExpectRaw>,
}

/// `stream_client: {handshake_answer: [<bytes>...], calls: [{event, input}], frames: [<bytes>...],
/// expect: {handshake: {kind, missing, event}, calls: [{sent, output | error}]}}`: the binding as
/// a stream front end against a scripted backend; frames are bodies, without length prefixes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamClientRaw {
    handshake_answer: Vec<Value>,
    #[serde(default)]
    calls: Vec<CallRaw>,
    #[serde(default)]
    frames: Vec<Value>,
    expect: StreamClientExpectRaw,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallRaw {
    event: String,
    input: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamClientExpectRaw {
    handshake: OutcomeRaw,
    #[serde(default)]
    calls: Vec<CallExpectRaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeRaw {
    kind: String,
    #[serde(default)]
    missing: Vec<String>,
    event: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallExpectRaw {
    sent: bool,
    output: Option<Value>,
    error: Option<Value>,
}

/// `stream: {frames: [<bytes>...], expect: {responses: [ids], faults: [{id, closing, error}]}}`:
/// whole frames (prefix and body) written to a stream backend's input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamRaw {
    frames: Vec<Value>,
    expect: StreamExpectRaw,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamExpectRaw {
    #[serde(default)]
    responses: Vec<u64>,
    #[serde(default)]
    faults: Vec<StreamFaultRaw>,
    /// How many handshake frames the backend writes, each its own handshake.
    #[serde(default)]
    handshakes: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamFaultRaw {
    id: u64,
    #[serde(default)]
    closing: bool,
    error: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EncodeRaw {
    #[serde(rename = "type")]
    ty: String,
    json: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedBytes {
    #[serde(rename = "type")]
    ty: String,
    data: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildRaw {
    event: String,
    #[serde(default)]
    input: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InterpretRaw {
    event: String,
    response: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteRaw {
    listeners: Vec<ListenerRaw>,
    notifications: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenerRaw {
    listener: u32,
    source: String,
    ty: i32,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigRaw {
    #[serde(default)]
    max_payload_bytes: u64,
    #[serde(default)]
    max_nesting_depth: u32,
    #[serde(default)]
    max_in_flight: u32,
    /// Absent: no set configured. Present, even empty: the configured set.
    #[serde(default)]
    capabilities: Option<Vec<String>>,
    #[serde(default)]
    not_ready: bool,
    #[serde(default)]
    subscribers: Vec<SubscriberRaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriberRaw {
    #[serde(default)]
    from_step: u32,
    #[serde(default)]
    notification_queue: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriberExpectRaw {
    #[serde(default)]
    notifications: Vec<NotificationRaw>,
    dropped: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DispatchRaw {
    #[serde(default)]
    config: ConfigRaw,
    steps: Vec<StepRaw>,
    /// What each of `config.subscribers` must have received.
    #[serde(default)]
    subscribers: Vec<SubscriberExpectRaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepRaw {
    /// An event to call with `input` (proto-JSON of its input type).
    call: Option<String>,
    input: Option<Value>,
    /// Or raw request bytes (possibly malformed on purpose).
    request: Option<Value>,
    #[serde(default)]
    timeout_ms: u32,
    #[serde(default)]
    cancel_after_ms: u32,
    /// Cancel right after the response arrived (a cancellation that certainly comes late).
    #[serde(default)]
    cancel_after_answer: bool,
    /// Cancel right after the response to this later step (counting from 0) arrived: the request
    /// is in flight until that step has been decided, whatever the machine's load.
    #[serde(default)]
    cancel_after_step: u32,
    /// Sent without waiting for earlier steps' responses.
    #[serde(default)]
    concurrent: bool,
    /// Milliseconds to wait before sending.
    #[serde(default)]
    delay_ms: u32,
    expect: StepExpectRaw,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepExpectRaw {
    /// The output as proto-JSON (`{}` for an event without output).
    ok: Option<Value>,
    /// The exact output bytes, with `ok`.
    output: Option<Value>,
    err: Option<Value>,
    #[serde(default)]
    notifications: Vec<NotificationRaw>,
    /// The position of the response among all responses, from 1.
    arrival: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationRaw {
    source: String,
    ty: i32,
    #[serde(default)]
    id: String,
    payload: Option<Value>,
    error: Option<Value>,
    seq: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectRaw {
    data: Option<Value>,
    /// Every encoding SPEC.md allows for the value, where it allows more than one.
    data_any_of: Option<Vec<Value>>,
    json: Option<Value>,
    failure: Option<String>,
    output: Option<Value>,
    error: Option<Value>,
    malformed: Option<String>,
    deliveries: Option<Vec<DeliveryRaw>>,
    malformed_notifications: Option<Vec<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryRaw {
    listener: u32,
    notification: u32,
    payload: Option<Value>,
    error: Option<Value>,
}

/// Loads the cases of one suite file. `origin` names the file in errors.
pub fn load(origin: &str, text: &str) -> Result<Vec<Case>, String> {
    let file: File = if text.contains(REPEAT) {
        let tree: Value = serde_norway::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        serde_json::from_value(expand(tree).map_err(|e| format!("{origin}: {e}"))?)
            .map_err(|e| format!("{origin}: {e}"))?
    } else {
        serde_norway::from_str(text).map_err(|e| format!("{origin}: {e}"))?
    };
    let role =
        Role::parse(&file.role).ok_or_else(|| format!("{origin}: unknown role `{}`", file.role))?;
    let _ = file.doc;
    let mut cases = Vec::new();
    for raw in file.cases {
        let id = raw.id.clone();
        cases.push(
            case(origin, role, &file.area, raw)
                .map_err(|e| format!("{origin}: case `{id}`: {e}"))?,
        );
    }
    Ok(cases)
}

/// `{$repeat: TEXT, $times: N}`, anywhere in a file, is TEXT written N times: long strings (for
/// the frame-size cases) without long lines. Proto-JSON names never start with `$`.
const REPEAT: &str = "$repeat";

fn expand(v: Value) -> Result<Value, String> {
    match v {
        Value::Object(m) if m.contains_key(REPEAT) => {
            let text = m
                .get(REPEAT)
                .and_then(Value::as_str)
                .ok_or("`$repeat` takes a string")?;
            let times = m
                .get("$times")
                .and_then(Value::as_u64)
                .ok_or("`$repeat` needs `$times`, a count")?;
            if m.len() != 2 {
                return Err("`$repeat` takes only `$times` beside it".into());
            }
            Ok(Value::String(text.repeat(
                usize::try_from(times).map_err(|_| "`$times` is too large")?,
            )))
        }
        Value::Object(m) => Ok(Value::Object(
            m.into_iter()
                .map(|(k, v)| Ok((k, expand(v)?)))
                .collect::<Result<_, String>>()?,
        )),
        Value::Array(a) => Ok(Value::Array(
            a.into_iter().map(expand).collect::<Result<_, _>>()?,
        )),
        v => Ok(v),
    }
}

fn case(origin: &str, role: Role, area: &str, raw: RawCase) -> Result<Case, String> {
    let level = match raw.level.as_str() {
        "required" => Level::Required,
        "recommended" => Level::Recommended,
        other => return Err(format!("unknown level `{other}`")),
    };
    if let Some(bad) = raw.requirements.iter().find(|r| !r.starts_with("REQ-")) {
        return Err(format!(
            "`{bad}` is not a requirement id (REQ-AREA-N, as in SPEC.md)"
        ));
    }
    let expect = raw.expect;
    if let Some(op) = raw.stream_client {
        let others = raw.encode.is_some() as u8
            + raw.decode.is_some() as u8
            + raw.round_trip.is_some() as u8
            + raw.build_request.is_some() as u8
            + raw.interpret_response.is_some() as u8
            + raw.route_notifications.is_some() as u8
            + raw.dispatch.is_some() as u8
            + raw.stream.is_some() as u8;
        if others > 0 {
            return Err("a case has exactly one operation".into());
        }
        if expect.is_some() {
            return Err("a stream_client case puts `expect` inside `stream_client`".into());
        }
        if !raw.features.iter().any(|f| f == "stream-client") {
            return Err("the case needs `features: [stream-client]`".into());
        }
        if role != Role::Binding {
            return Err(format!("a binding operation in a {role} suite"));
        }
        let (op, expect) = stream_client(op)?;
        return Ok(Case {
            name: format!("{}/{area}/{}", level.as_str(), raw.id),
            role,
            level,
            area: area.to_owned(),
            requirements: raw.requirements,
            features: raw.features,
            doc: raw.doc,
            origin: origin.to_owned(),
            op,
            expect,
        });
    }
    let ops = (
        raw.encode,
        raw.decode,
        raw.round_trip,
        raw.build_request,
        raw.interpret_response,
        raw.route_notifications,
        raw.dispatch,
        raw.stream,
    );
    let (op, expect) = match ops {
        (Some(op), None, None, None, None, None, None, None) => encode(op, expect)?,
        (None, Some(op), None, None, None, None, None, None) => decode(op, expect)?,
        (None, None, Some(op), None, None, None, None, None) => round_trip(op, expect)?,
        (None, None, None, Some(op), None, None, None, None) => build_request(op, expect)?,
        (None, None, None, None, Some(op), None, None, None) => interpret_response(op, expect)?,
        (None, None, None, None, None, Some(op), None, None) => {
            // Routing needs a listener API, which a binding may not have (INTERPRETING.md 5).
            if !raw.features.iter().any(|f| f == "notification-routing") {
                return Err(
                    "a route_notifications case needs `features: [notification-routing]`".into(),
                );
            }
            route(op, expect)?
        }
        (None, None, None, None, None, None, Some(op), None) => {
            if expect.is_some() {
                return Err("a dispatch case puts `expect` in each step".into());
            }
            let (op, expect) = dispatch(op)?;
            check_dispatch_features(&op, &raw.features)?;
            (op, expect)
        }
        (None, None, None, None, None, None, None, Some(op)) => {
            if expect.is_some() {
                return Err("a stream case puts `expect` inside `stream`".into());
            }
            if !raw.features.iter().any(|f| f == "stream-frames") {
                return Err("the case needs `features: [stream-frames]`".into());
            }
            stream(op)?
        }
        _ => return Err("a case has exactly one operation".into()),
    };
    let op_role = if matches!(op, Op::Dispatch(_) | Op::Stream(_)) {
        Role::Backend
    } else {
        Role::Binding
    };
    if op_role != role {
        return Err(format!("a {} operation in a {role} suite", op_role));
    }
    Ok(Case {
        name: format!("{}/{area}/{}", level.as_str(), raw.id),
        role,
        level,
        area: area.to_owned(),
        requirements: raw.requirements,
        features: raw.features,
        doc: raw.doc,
        origin: origin.to_owned(),
        op,
        expect,
    })
}

fn stream(op: StreamRaw) -> Result<(Op, Expect), String> {
    let frames = op
        .frames
        .iter()
        .map(bytes_spec::build)
        .collect::<Result<Vec<_>, _>>()?;
    let faults = op
        .expect
        .faults
        .into_iter()
        .map(|f| {
            Ok(crate::case::StreamFault {
                id: f.id,
                closing: f.closing,
                error: expected_error(&f.error)?,
            })
        })
        .collect::<Result<_, String>>()?;
    let mut responses = op.expect.responses;
    responses.sort_unstable();
    Ok((
        Op::Stream(testee_pb::StreamOp { frames }),
        Expect::Stream {
            responses,
            faults,
            handshakes: op.expect.handshakes,
        },
    ))
}

fn stream_client(op: StreamClientRaw) -> Result<(Op, Expect), String> {
    use eventwire_schema::pb::{StreamFrame, stream_frame::Kind};
    let handshake_answer = op
        .handshake_answer
        .iter()
        .map(bytes_spec::build)
        .collect::<Result<Vec<_>, _>>()?;
    let frames = op
        .frames
        .iter()
        .map(bytes_spec::build)
        .collect::<Result<Vec<_>, _>>()?;
    let backend = handshake_answer.iter().find_map(|body| {
        match StreamFrame::decode(body.as_slice()).ok()?.kind {
            Some(Kind::Handshake(h)) => Some(h),
            _ => None,
        }
    });
    let kind = testee_pb::HandshakeOutcomeKind::from_str_name(&format!(
        "HANDSHAKE_OUTCOME_KIND_{}",
        op.expect.handshake.kind.to_uppercase().replace('-', "_")
    ))
    .filter(|k| *k != testee_pb::HandshakeOutcomeKind::Unspecified)
    .ok_or_else(|| {
        format!(
            "unknown handshake outcome `{}` (identical, compatible, incompatible, no-handshake)",
            op.expect.handshake.kind
        )
    })?;
    let outcome = crate::case::ExpectedOutcome {
        kind,
        missing: op.expect.handshake.missing,
        event: op.expect.handshake.event,
        backend,
    };
    if op.expect.calls.len() != op.calls.len() {
        return Err(format!(
            "{} calls and {} expected calls",
            op.calls.len(),
            op.expect.calls.len()
        ));
    }
    let mut calls = Vec::new();
    let mut expects = Vec::new();
    for (call, e) in op.calls.into_iter().zip(op.expect.calls) {
        let result = match (e.output, e.error) {
            (Some(o), None) => {
                let ev = tables()
                    .event(&call.event)
                    .ok_or_else(|| format!("unknown event `{}`", call.event))?;
                match &ev.output {
                    Some(desc) => Interpreted::Output(json::canonical(desc, &o)?),
                    None => Interpreted::Output(Value::Object(Default::default())),
                }
            }
            (None, Some(err)) => Interpreted::Error(expected_error(&err)?),
            _ => return Err("each expected call has exactly one of `output` and `error`".into()),
        };
        input_bytes(&call.event, call.input.as_ref())?;
        let input_json = call
            .input
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_else(|| "{}".into());
        calls.push(testee_pb::StreamCall {
            event: call.event,
            input_json,
        });
        expects.push(crate::case::CallExpect {
            sent: e.sent,
            result,
        });
    }
    Ok((
        Op::StreamClient(testee_pb::StreamClientOp {
            handshake_answer,
            calls,
            frames,
        }),
        Expect::StreamClient {
            outcome,
            calls: expects,
        },
    ))
}

fn need(expect: Option<ExpectRaw>) -> Result<ExpectRaw, String> {
    expect.ok_or_else(|| "missing `expect`".into())
}

fn failure_kind(name: &str) -> Result<FailureKind, String> {
    FailureKind::from_str_name(name)
        .or_else(|| FailureKind::from_str_name(&format!("FAILURE_KIND_{name}")))
        .ok_or_else(|| format!("unknown failure kind `{name}`"))
}

fn data_or_failure(e: ExpectRaw) -> Result<Expect, String> {
    match (e.data, e.data_any_of, e.failure) {
        (Some(d), None, None) => Ok(Expect::Data(bytes_spec::build(&d)?)),
        (None, Some(list), None) if list.len() >= 2 => Ok(Expect::DataAnyOf(
            list.iter()
                .map(bytes_spec::build)
                .collect::<Result<_, _>>()?,
        )),
        (None, None, Some(f)) => Ok(Expect::Failure(failure_kind(&f)?)),
        _ => Err("expect exactly one of `data`, `data_any_of` (two or more) and `failure`".into()),
    }
}

fn encode(op: EncodeRaw, expect: Option<ExpectRaw>) -> Result<(Op, Expect), String> {
    let json = match &op.json {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    Ok((
        Op::Encode(testee_pb::EncodeOp {
            message_type: full_name(&op.ty),
            json,
        }),
        data_or_failure(need(expect)?)?,
    ))
}

fn full_name(ty: &str) -> String {
    json::message_type(ty)
        .map(|d| d.full_name().to_owned())
        .unwrap_or_else(|| ty.to_owned())
}

fn decode(op: TypedBytes, expect: Option<ExpectRaw>) -> Result<(Op, Expect), String> {
    let e = need(expect)?;
    let data = bytes_spec::build(&op.data)?;
    let expect = match (e.json, e.failure) {
        (Some(j), None) => {
            let desc =
                json::message_type(&op.ty).ok_or_else(|| format!("unknown type {}", op.ty))?;
            Expect::Json(json::canonical(&desc, &j)?)
        }
        (None, Some(f)) => Expect::Failure(failure_kind(&f)?),
        _ => return Err("expect exactly one of `json` and `failure`".into()),
    };
    Ok((
        Op::Decode(testee_pb::DecodeOp {
            message_type: full_name(&op.ty),
            data,
        }),
        expect,
    ))
}

fn round_trip(op: TypedBytes, expect: Option<ExpectRaw>) -> Result<(Op, Expect), String> {
    let data = bytes_spec::build(&op.data)?;
    Ok((
        Op::RoundTrip(testee_pb::RoundTripOp {
            message_type: full_name(&op.ty),
            data,
        }),
        data_or_failure(need(expect)?)?,
    ))
}

/// The input of `event` as canonical bytes, from proto-JSON (`None` or `{}` for no input).
fn input_bytes(event: &str, input: Option<&Value>) -> Result<Vec<u8>, String> {
    let ev = tables()
        .event(event)
        .ok_or_else(|| format!("unknown event `{event}`"))?;
    match (&ev.input, input) {
        (Some(desc), Some(j)) => bytes_spec::encode_message(desc, j),
        (Some(_), None) => Ok(Vec::new()),
        (None, None) => Ok(Vec::new()),
        (None, Some(Value::Object(m))) if m.is_empty() => Ok(Vec::new()),
        (None, Some(_)) => Err(format!("event `{event}` has no input")),
    }
}

fn build_request(op: BuildRaw, expect: Option<ExpectRaw>) -> Result<(Op, Expect), String> {
    let input_json = op
        .input
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_else(|| "{}".into());
    let expect = match expect {
        Some(e) => data_or_failure(e)?,
        // Unless pinned, the expected request is the event name and the canonical input.
        None => Expect::Data(
            FfiRequest {
                event: op.event.clone(),
                payload: input_bytes(&op.event, op.input.as_ref())?,
            }
            .encode_to_vec(),
        ),
    };
    Ok((
        Op::BuildRequest(testee_pb::BuildRequestOp {
            event: op.event,
            input_json,
        }),
        expect,
    ))
}

/// An error code by name (`INVALID_PARAMS` or `ERROR_CODE_INVALID_PARAMS`) or number.
fn code(v: &Value) -> Result<i32, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(|n| n as i32)
            .ok_or_else(|| format!("bad code {n}")),
        Value::String(s) => {
            crate::check::code_by_name(s).ok_or_else(|| format!("unknown error code `{s}`"))
        }
        v => Err(format!("bad code {v}")),
    }
}

/// An expected error: a code (its category is the schema's) or `{code, category, payload}`.
fn expected_error(v: &Value) -> Result<ExpectedError, String> {
    let (code_v, category_v, payload_v) = match v {
        Value::Object(m) => (
            m.get("code").ok_or("an error needs `code`")?,
            m.get("category"),
            m.get("payload"),
        ),
        v => (v, None, None),
    };
    let code = code(code_v)?;
    let category = match category_v {
        Some(Value::String(s)) => eventwire_schema::pb::ErrorCategory::from_str_name(s)
            .or_else(|| {
                eventwire_schema::pb::ErrorCategory::from_str_name(&format!("ERROR_CATEGORY_{s}"))
            })
            .map(|c| c as i32)
            .ok_or_else(|| format!("unknown category `{s}`"))?,
        Some(Value::Number(n)) => n.as_i64().ok_or("bad category")? as i32,
        Some(v) => return Err(format!("bad category {v}")),
        None => crate::check::declared_category(code)
            .map(|c| c as i32)
            .ok_or_else(|| format!("code {code} is not in the schema: give its `category`"))?,
    };
    let payload = payload_v.map(bytes_spec::build).transpose()?;
    Ok(ExpectedError {
        code,
        category,
        payload,
    })
}

fn interpret_response(op: InterpretRaw, expect: Option<ExpectRaw>) -> Result<(Op, Expect), String> {
    let e = need(expect)?;
    let response = bytes_spec::build(&op.response)?;
    let interpreted = match (e.output, e.error, e.malformed) {
        (Some(o), None, None) => {
            let ev = tables()
                .event(&op.event)
                .ok_or_else(|| format!("unknown event `{}`", op.event))?;
            match &ev.output {
                Some(desc) => Interpreted::Output(json::canonical(desc, &o)?),
                None => Interpreted::Output(Value::Object(Default::default())),
            }
        }
        (None, Some(err), None) => Interpreted::Error(expected_error(&err)?),
        (None, None, Some(m)) => Interpreted::Malformed(
            MalformedKind::from_str_name(&format!("MALFORMED_KIND_{m}"))
                .or_else(|| MalformedKind::from_str_name(&m))
                .ok_or_else(|| format!("unknown malformed kind `{m}`"))?,
        ),
        (None, None, None) if e.failure.is_some() => {
            return Ok((
                Op::InterpretResponse(testee_pb::InterpretResponseOp {
                    event: op.event,
                    response,
                }),
                Expect::Failure(failure_kind(e.failure.as_deref().unwrap_or_default())?),
            ));
        }
        _ => return Err("expect exactly one of `output`, `error`, `malformed`, `failure`".into()),
    };
    Ok((
        Op::InterpretResponse(testee_pb::InterpretResponseOp {
            event: op.event,
            response,
        }),
        Expect::Interpreted(interpreted),
    ))
}

fn content(
    source: &str,
    ty: i32,
    payload: Option<&Value>,
    error: Option<&Value>,
) -> Result<Content, String> {
    match (payload, error) {
        (Some(p), None) => {
            let n = tables()
                .notification(source, ty)
                .ok_or_else(|| format!("({source}, {ty}) is not in the tables"))?;
            Ok(Content::Payload(json::canonical(&n.payload, p)?))
        }
        (None, Some(e)) => Ok(Content::Error(expected_error(e)?)),
        _ => Err("expect exactly one of `payload` and `error`".into()),
    }
}

fn route(op: RouteRaw, expect: Option<ExpectRaw>) -> Result<(Op, Expect), String> {
    let e = need(expect)?;
    let notifications: Vec<Vec<u8>> = op
        .notifications
        .iter()
        .map(bytes_spec::build)
        .collect::<Result<_, _>>()?;
    let mut deliveries = Vec::new();
    for d in e.deliveries.unwrap_or_default() {
        let listener = op
            .listeners
            .iter()
            .find(|l| l.listener == d.listener)
            .ok_or_else(|| format!("delivery to unknown listener {}", d.listener))?;
        deliveries.push(Delivery {
            listener: d.listener,
            notification: d.notification,
            content: content(
                &listener.source,
                listener.ty,
                d.payload.as_ref(),
                d.error.as_ref(),
            )?,
        });
    }
    let listeners = op
        .listeners
        .into_iter()
        .map(|l| testee_pb::Listener {
            listener: l.listener,
            source: l.source,
            ty: l.ty,
            id: l.id,
        })
        .collect();
    Ok((
        Op::RouteNotifications(testee_pb::RouteNotificationsOp {
            listeners,
            notifications,
        }),
        Expect::Routed {
            deliveries,
            malformed: e.malformed_notifications.unwrap_or_default(),
        },
    ))
}

fn dispatch(op: DispatchRaw) -> Result<(Op, Expect), String> {
    let mut steps = Vec::new();
    let mut expected = Vec::new();
    for (i, s) in op.steps.into_iter().enumerate() {
        let at = |e: String| format!("step {i}: {e}");
        let request = match (&s.call, &s.request) {
            (Some(event), None) => FfiRequest {
                event: event.clone(),
                payload: input_bytes(event, s.input.as_ref()).map_err(at)?,
            }
            .encode_to_vec(),
            (None, Some(raw)) => bytes_spec::build(raw).map_err(at)?,
            _ => return Err(at("a step has exactly one of `call` and `request`".into())),
        };
        let response = match (s.expect.ok, s.expect.err) {
            (Some(ok), None) => {
                // The output type is that of the event called, or named in the raw request.
                let event = match &s.call {
                    Some(event) => event.clone(),
                    None => FfiRequest::decode(request.as_slice())
                        .map(|r| r.event)
                        .map_err(|_| at("`ok` after an undecodable request".into()))?,
                };
                let ev = tables()
                    .event(&event)
                    .ok_or_else(|| at(format!("unknown event `{event}`")))?;
                let json = match &ev.output {
                    Some(desc) => json::canonical(desc, &ok).map_err(at)?,
                    None => Value::Object(Default::default()),
                };
                Response::Ok {
                    output_type: ev.output.as_ref().map(|d| d.full_name().to_owned()),
                    json,
                    bytes: s
                        .expect
                        .output
                        .as_ref()
                        .map(bytes_spec::build)
                        .transpose()
                        .map_err(at)?,
                }
            }
            (None, Some(err)) => Response::Err(expected_error(&err).map_err(at)?),
            _ => return Err(at("expect exactly one of `ok` and `err`".into())),
        };
        let notifications = notifications(&s.expect.notifications).map_err(at)?;
        if i == 0 && s.concurrent {
            return Err(at("the first step cannot be concurrent".into()));
        }
        steps.push(testee_pb::DispatchStep {
            request,
            timeout_ms: s.timeout_ms,
            cancel_after_ms: s.cancel_after_ms,
            concurrent: s.concurrent,
            delay_ms: s.delay_ms,
            cancel_after_answer: s.cancel_after_answer,
            cancel_after_step: s.cancel_after_step,
        });
        expected.push(Step {
            response,
            notifications,
            arrival: s.expect.arrival,
        });
    }
    for (i, step) in steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.cancel_after_step > 0)
    {
        let after = step.cancel_after_step as usize;
        if after <= i || after >= steps.len() {
            return Err(format!(
                "step {i}: `cancel_after_step: {after}` must name a later step (steps count from 0; the last is {})",
                steps.len() - 1
            ));
        }
        if let Some(j) = (i + 1..=after).find(|&j| !steps[j].concurrent) {
            return Err(format!(
                "step {i}: `cancel_after_step: {after}` needs steps {} to {after} to be concurrent, but step {j} is not (it would wait for this one's answer)",
                i + 1
            ));
        }
    }
    let c = op.config;
    if c.subscribers.len() != op.subscribers.len() {
        return Err(format!(
            "{} subscribers configured, {} expected: give each its `subscribers` entry",
            c.subscribers.len(),
            op.subscribers.len()
        ));
    }
    for s in &c.subscribers {
        match steps.get(s.from_step as usize) {
            None => {
                return Err(format!(
                    "a subscriber subscribes before step {}, which does not exist",
                    s.from_step
                ));
            }
            Some(step) if step.concurrent => {
                return Err(format!(
                    "a subscriber subscribes before step {}, which is concurrent",
                    s.from_step
                ));
            }
            Some(_) => {}
        }
    }
    let subscribers = op
        .subscribers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(SubscriberExpect {
                notifications: notifications(&s.notifications)
                    .map_err(|e| format!("subscriber {}: {e}", i + 1))?,
                dropped: s.dropped,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let config = testee_pb::BackendConfig {
        max_payload_bytes: c.max_payload_bytes,
        max_nesting_depth: c.max_nesting_depth,
        max_in_flight: c.max_in_flight,
        capabilities_configured: c.capabilities.is_some(),
        capabilities: c.capabilities.unwrap_or_default(),
        not_ready: c.not_ready,
        subscribers: c
            .subscribers
            .iter()
            .map(|s| testee_pb::Subscriber {
                from_step: s.from_step,
                notification_queue: s.notification_queue,
            })
            .collect(),
    };
    Ok((
        Op::Dispatch(testee_pb::DispatchOp {
            config: Some(config),
            steps,
        }),
        Expect::Dispatched {
            steps: expected,
            subscribers,
        },
    ))
}

fn notifications(raw: &[NotificationRaw]) -> Result<Vec<Notification>, String> {
    raw.iter()
        .map(|n| {
            Ok(Notification {
                source: n.source.clone(),
                ty: n.ty,
                id: n.id.clone(),
                content: content(&n.source, n.ty, n.payload.as_ref(), n.error.as_ref())?,
                seq: n.seq,
            })
        })
        .collect()
}

/// A case that uses a part of the protocol a testee may not provide must declare the feature, so
/// that a testee without it skips the case instead of failing it.
fn check_dispatch_features(op: &Op, declared: &[String]) -> Result<(), String> {
    let Op::Dispatch(d) = op else { return Ok(()) };
    let config = d.config.clone().unwrap_or_default();
    let mut needed = Vec::new();
    if d.steps.iter().any(|s| s.concurrent || s.delay_ms > 0) {
        needed.push("concurrency");
    }
    if !config.subscribers.is_empty() {
        needed.push("subscribers");
    }
    if config.capabilities_configured && config.capabilities.is_empty() {
        needed.push("empty-capability-set");
    }
    if config.max_payload_bytes > 0
        || config.max_nesting_depth > 0
        || config.max_in_flight > 0
        || config.capabilities_configured
    {
        needed.push("configuration");
    }
    if d.steps
        .iter()
        .any(|s| s.cancel_after_ms > 0 || s.cancel_after_answer || s.cancel_after_step > 0)
    {
        needed.push("cancellation");
    }
    if config.not_ready {
        needed.push("not-ready");
    }
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|f| !declared.iter().any(|d| d == f))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the case needs `features: [{}]`",
            missing.join(", ")
        ))
    }
}

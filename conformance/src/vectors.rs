//! The golden vectors (`vectors/`, format in `vectors/README.md`) as conformance cases.
//!
//! - `encode`: a binding encodes the value (exact bytes) and decodes the bytes (the value);
//! - `decode`: a binding decodes non-canonical bytes to the value;
//! - `request`: a binding builds the request for the event and input;
//! - `response`: a binding interprets the response;
//! - `notification`: a binding routes the notification to a listener for its (source, ty);
//! - `dispatch`: a backend answers the steps, notifications included;
//! - `reject`: a backend answers a malformed request, or a binding interprets a malformed
//!   response or notification.
//!
//! `wire` vectors are schema-free and have no testee operation; they are for wire readers.
//! Names are `<level>/vectors-<kind>/<name>`; the level is `required` when the vector cites a
//! required statement of SPEC.md.

use eventwire_schema::{
    pb::{self, FfiResponse, FfiStatusCode, FlowyError, SubscribeObject},
    tables,
    testee_pb::{self, case::Op},
};
use prost::Message;
use prost_reflect::DynamicMessage;
use serde_json::Value;

use crate::{
    case::{
        Case, Content, Delivery, Expect, ExpectedError, Interpreted, Level, Notification, Response,
        Role, Step,
    },
    json,
};

const SPEC: &str = include_str!("../SPEC.md");

fn is_required(id: &str) -> bool {
    let id = id.split('(').next().unwrap_or(id);
    SPEC.lines()
        .any(|l| l.starts_with(&format!("- **{id}** [required]")))
}

fn hex_of(v: &Value) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or("hex is a string")?;
    hex::decode(s.split_whitespace().collect::<String>()).map_err(|e| format!("bad hex: {e}"))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing `{key}`"))
}

fn canonical_value(ty: &str, value: &Value) -> Result<Value, String> {
    let desc = json::message_type(ty).ok_or_else(|| format!("unknown type {ty}"))?;
    json::canonical(&desc, value)
}

/// The error a receiver reports for `err`: its category resolved as REQ-ERR-9 says (for the
/// vectors, whose categories are the schema's, this changes only an all-default error's
/// UNSPECIFIED into INTERNAL).
fn flowy(err: &FlowyError, with_payload: bool) -> ExpectedError {
    ExpectedError {
        code: err.code,
        category: crate::check::resolved_category(err.code, err.category),
        payload: with_payload.then(|| err.payload.clone()),
    }
}

/// An expected error from a vector's `error: {code, category, payload_hex}`.
fn expected_error(e: &Value) -> Result<ExpectedError, String> {
    let code = str_of(e, "code")?;
    let category = str_of(e, "category")?;
    Ok(ExpectedError {
        code: crate::check::code_by_name(code).ok_or_else(|| format!("unknown code {code}"))?,
        category: pb::ErrorCategory::from_str_name(category)
            .ok_or_else(|| format!("unknown category {category}"))? as i32,
        payload: e.get("payload_hex").map(hex_of).transpose()?,
    })
}

/// What a delivered notification carries, computed from its bytes.
fn content_of(n: &SubscribeObject) -> Result<Content, String> {
    match (&n.payload_oneof, &n.error_oneof) {
        (Some(pb::subscribe_object::PayloadOneof::Payload(p)), None) => {
            let kind = tables()
                .notification(&n.source, n.ty)
                .ok_or("undeclared notification kind")?;
            let m = DynamicMessage::decode(kind.payload.clone(), p.as_slice())
                .map_err(|e| e.to_string())?;
            Ok(Content::Payload(json::to_value(&m)))
        }
        (None, Some(pb::subscribe_object::ErrorOneof::Error(e))) => Ok(Content::Error(flowy(
            &FlowyError::decode(e.as_slice()).map_err(|e| e.to_string())?,
            true,
        ))),
        _ => Err("both or neither of payload and error".into()),
    }
}

fn config(c: Option<&Value>) -> testee_pb::BackendConfig {
    let n = |k: &str| {
        c.and_then(|c| c.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    testee_pb::BackendConfig {
        max_payload_bytes: n("max_payload_bytes"),
        max_nesting_depth: n("max_nesting_depth") as u32,
        max_in_flight: n("max_in_flight") as u32,
        capabilities: c
            .and_then(|c| c.get("capabilities"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        not_ready: c.and_then(|c| c.get("ready")).and_then(Value::as_bool) == Some(false),
        // A `capabilities` key is a configured set, even when its list is empty.
        capabilities_configured: c.and_then(|c| c.get("capabilities")).is_some(),
        subscribers: Vec::new(),
    }
}

fn empty_capability_set(c: &Value) -> bool {
    c.get("capabilities")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
}

/// The features a vector's backend configuration needs.
fn features(c: Option<&Value>) -> Vec<String> {
    match c {
        None => Vec::new(),
        Some(c) if c.get("ready").and_then(Value::as_bool) == Some(false) => {
            vec!["not-ready".into()]
        }
        Some(c) if empty_capability_set(c) => {
            vec!["configuration".into(), "empty-capability-set".into()]
        }
        Some(_) => vec!["configuration".into()],
    }
}

fn step(request: Vec<u8>, expect: &Value) -> Result<(testee_pb::DispatchStep, Step), String> {
    let response = match str_of(expect, "status")? {
        "OK" => {
            // No `response_hex` (`bytes_comparable: false`): the output has more than one valid
            // encoding (REQ-ENC-4(c)), so only the decoded value is compared.
            let payload = match expect.get("response_hex") {
                Some(raw) => Some(
                    FfiResponse::decode(hex_of(raw)?.as_slice())
                        .map_err(|e| e.to_string())?
                        .payload,
                ),
                None if expect.get("bytes_comparable").and_then(Value::as_bool) == Some(false) => {
                    None
                }
                None => return Err("missing `response_hex`".into()),
            };
            let (output_type, json) = match expect.get("output") {
                Some(o) => {
                    let ty = str_of(o, "type")?;
                    (
                        Some(ty.to_owned()),
                        canonical_value(ty, o.get("value").unwrap_or(&Value::Null))?,
                    )
                }
                None => (None, Value::Object(Default::default())),
            };
            Response::Ok {
                output_type,
                json,
                bytes: payload,
            }
        }
        _ => Response::Err(expected_error(
            expect.get("error").ok_or("missing `error`")?,
        )?),
    };
    let mut notifications = Vec::new();
    for n in expect
        .get("notifications")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let raw = SubscribeObject::decode(
            hex_of(n.get("hex").ok_or("missing notification hex")?)?.as_slice(),
        )
        .map_err(|e| e.to_string())?;
        notifications.push(Notification {
            source: raw.source.clone(),
            ty: raw.ty,
            id: raw.id.clone(),
            content: content_of(&raw)?,
            seq: Some(raw.seq),
        });
    }
    Ok((
        testee_pb::DispatchStep {
            request,
            ..Default::default()
        },
        Step {
            response,
            notifications,
            arrival: None,
        },
    ))
}

/// One notification routed to one listener for its (source, ty). The vector's `malformed` must
/// agree with what the bytes are (REQ-NOTIF-2): a vector that says valid but whose content does
/// not decode is refused, never silently turned into a malformed expectation.
fn route_one(notification: Vec<u8>, expect_malformed: bool) -> Result<(Op, Expect), String> {
    let decoded = SubscribeObject::decode(notification.as_slice()).ok();
    let (source, ty) = decoded
        .as_ref()
        .map(|n| (n.source.clone(), n.ty))
        .unwrap_or(("conformance".into(), 1));
    let listener = testee_pb::Listener {
        listener: 1,
        source,
        ty,
        id: None,
    };
    let content = decoded
        .as_ref()
        .ok_or_else(|| "not a SubscribeObject".to_string())
        .and_then(content_of);
    let expect = match (expect_malformed, content) {
        (false, Ok(content)) => Expect::Routed {
            deliveries: vec![Delivery {
                listener: 1,
                notification: 0,
                content,
            }],
            malformed: vec![],
        },
        (true, Err(_)) => Expect::Routed {
            deliveries: vec![],
            malformed: vec![0],
        },
        (false, Err(e)) => {
            return Err(format!(
                "the vector says the notification is valid, but it is malformed: {e}"
            ));
        }
        (true, Ok(_)) => {
            return Err("the vector says the notification is malformed, but it is valid".into());
        }
    };
    Ok((
        Op::RouteNotifications(testee_pb::RouteNotificationsOp {
            listeners: vec![listener],
            notifications: vec![notification],
        }),
        expect,
    ))
}

/// The cases of one vector file, named after `origin` in errors.
pub fn load(origin: &str, text: &str) -> Result<Vec<Case>, String> {
    let file: Value = serde_norway::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let mut cases = Vec::new();
    for v in file
        .get("cases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = str_of(v, "name").map_err(|e| format!("{origin}: {e}"))?;
        let at = |e: String| format!("{origin}: vector `{name}`: {e}");
        cases.extend(vector(origin, name, v).map_err(at)?);
    }
    Ok(cases)
}

fn vector(origin: &str, name: &str, v: &Value) -> Result<Vec<Case>, String> {
    let kind = str_of(v, "kind")?;
    let requirements: Vec<String> = v
        .get("spec")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let level = if requirements.iter().any(|r| is_required(r)) {
        Level::Required
    } else {
        Level::Recommended
    };
    let doc = v
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
    let make = |area: &str, suffix: &str, role: Role, op: Op, expect: Expect| Case {
        name: format!("{}/vectors-{area}/{name}{suffix}", level.as_str()),
        role,
        level,
        area: format!("vectors-{area}"),
        requirements: requirements.clone(),
        // Routing needs a listener API: a binding without one declares no `notification-routing`
        // and its routing cases are skipped, as the suite's own routing cases are.
        features: {
            let mut f = features(v.get("config"));
            if matches!(op, Op::RouteNotifications(_)) {
                f.push("notification-routing".into());
            }
            f
        },
        doc: format!("{doc} (vector {id})"),
        origin: origin.to_owned(),
        op,
        expect,
    };
    let ty = || str_of(v, "type").map(str::to_owned);
    let bytes = || hex_of(v.get("hex").ok_or("missing `hex`")?);
    let value = || {
        v.get("value")
            .cloned()
            .unwrap_or(Value::Object(Default::default()))
    };
    Ok(match kind {
        "encode" => {
            let (ty, data) = (ty()?, bytes()?);
            vec![
                make(
                    "encode",
                    "",
                    Role::Binding,
                    Op::Encode(testee_pb::EncodeOp {
                        message_type: ty.clone(),
                        json: value().to_string(),
                    }),
                    Expect::Data(data.clone()),
                ),
                make(
                    "decode",
                    "",
                    Role::Binding,
                    Op::Decode(testee_pb::DecodeOp {
                        message_type: ty.clone(),
                        data,
                    }),
                    Expect::Json(canonical_value(&ty, &value())?),
                ),
            ]
        }
        "decode" => {
            let ty = ty()?;
            vec![make(
                "decode",
                "",
                Role::Binding,
                Op::Decode(testee_pb::DecodeOp {
                    message_type: ty.clone(),
                    data: bytes()?,
                }),
                Expect::Json(canonical_value(&ty, &value())?),
            )]
        }
        "request" => {
            let event = str_of(v, "event")?.to_owned();
            let input = v
                .get("inner")
                .and_then(|i| i.get("value"))
                .cloned()
                .unwrap_or(Value::Object(Default::default()));
            vec![make(
                "request",
                "",
                Role::Binding,
                Op::BuildRequest(testee_pb::BuildRequestOp {
                    event,
                    input_json: input.to_string(),
                }),
                Expect::Data(bytes()?),
            )]
        }
        "response" => {
            let event = str_of(v, "event")?.to_owned();
            let response = bytes()?;
            let decoded = FfiResponse::decode(response.as_slice()).map_err(|e| e.to_string())?;
            let interpreted = if decoded.code == FfiStatusCode::Ok as i32 {
                let inner = v.get("inner");
                match inner {
                    Some(i) => Interpreted::Output(canonical_value(
                        str_of(i, "type")?,
                        i.get("value").unwrap_or(&Value::Null),
                    )?),
                    None => Interpreted::Output(Value::Object(Default::default())),
                }
            } else {
                Interpreted::Error(flowy(
                    &FlowyError::decode(decoded.payload.as_slice()).map_err(|e| e.to_string())?,
                    true,
                ))
            };
            vec![make(
                "response",
                "",
                Role::Binding,
                Op::InterpretResponse(testee_pb::InterpretResponseOp { event, response }),
                Expect::Interpreted(interpreted),
            )]
        }
        "notification" => {
            let (op, expect) = route_one(bytes()?, false)?;
            vec![make("notification", "", Role::Binding, op, expect)]
        }
        "dispatch" => {
            let mut steps = Vec::new();
            let mut expected = Vec::new();
            for s in v
                .get("steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (step, exp) = step(
                    hex_of(s.get("hex").ok_or("missing step hex")?)?,
                    s.get("expect").ok_or("missing expect")?,
                )?;
                steps.push(step);
                expected.push(exp);
            }
            let op = Op::Dispatch(testee_pb::DispatchOp {
                config: Some(config(v.get("config"))),
                steps,
            });
            vec![make(
                "dispatch",
                "",
                Role::Backend,
                op,
                Expect::Dispatched {
                    steps: expected,
                    subscribers: vec![],
                },
            )]
        }
        "reject" => {
            let expect = v.get("expect").ok_or("missing `expect`")?;
            match str_of(v, "input")? {
                "request" => {
                    let (step, exp) = step(bytes()?, expect)?;
                    let op = Op::Dispatch(testee_pb::DispatchOp {
                        config: Some(config(v.get("config"))),
                        steps: vec![step],
                    });
                    vec![make(
                        "reject",
                        "",
                        Role::Backend,
                        op,
                        Expect::Dispatched {
                            steps: vec![exp],
                            subscribers: vec![],
                        },
                    )]
                }
                "notification" => {
                    let malformed = expect
                        .get("malformed")
                        .and_then(Value::as_bool)
                        .ok_or("missing `malformed`")?;
                    let (op, exp) = route_one(bytes()?, malformed)?;
                    vec![make("reject", "", Role::Binding, op, exp)]
                }
                "response" => {
                    let error = expected_error(expect.get("error").ok_or("missing `error`")?)?;
                    // Interpreting an error does not depend on the event; any declared one will do.
                    let op = Op::InterpretResponse(testee_pb::InterpretResponseOp {
                        event: "Ping".into(),
                        response: bytes()?,
                    });
                    vec![make(
                        "reject",
                        "",
                        Role::Binding,
                        op,
                        Expect::Interpreted(Interpreted::Error(error)),
                    )]
                }
                other => return Err(format!("unknown reject input `{other}`")),
            }
        }
        // Schema-free wire records: no testee operation reads them.
        "wire" => Vec::new(),
        other => return Err(format!("unknown vector kind `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire_schema::pb::FfiRequest;

    #[test]
    fn request_validation_of_a_made_up_vector() {
        let text = r#"
cases:
- {id: req-9999, name: ping, kind: request, spec: [REQ-ENV-1], event: Ping, type: eventwire.v1.FFIRequest, value: {event: Ping}, hex: 0a 04 50 69 6e 67}
"#;
        let cases = load("t.yaml", text).unwrap();
        assert_eq!(cases[0].name, "required/vectors-request/ping");
        assert!(
            matches!(&cases[0].expect, Expect::Data(d) if *d == FfiRequest { event: "Ping".into(), payload: vec![] }.encode_to_vec())
        );
        assert!(load("t.yaml", "cases: [{name: x, kind: nope}]").is_err());
    }
}

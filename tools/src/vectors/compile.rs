//! Catalogue definition -> vector case: the canonical bytes come from the reference encoder, and
//! every hand-written part (non-canonical bytes, raw records) must agree with it.

use eventwire_schema::{pb, tables};
use prost::Message;
use serde_json::Value as Json;

use super::catalogue::{Arm, Body, Def, ExpectDef, NotifDef, Outcome};
use super::codec;
use super::format::{
    Case, Expect, ExpectError, ExpectNotification, Inner, Input, Kind, Status, Step,
};
use super::hex::to_hex;
use super::wire;

#[derive(Debug, Clone, thiserror::Error)]
#[error("catalogue case `{name}`: {msg}")]
pub struct CompileError {
    pub name: String,
    pub msg: String,
}

const FLOWY: &str = "eventwire.v1.FlowyError";

/// The case for `def`, with an empty id (ids are assigned by [`super::generate`]).
pub fn compile(def: &Def) -> Result<Case, CompileError> {
    let fail = |msg: String| CompileError {
        name: def.name.clone(),
        msg,
    };
    let mut case = Case {
        id: String::new(),
        name: def.name.clone(),
        description: def.description.clone(),
        kind: Kind::Encode,
        spec: def.spec.iter().map(|s| s.to_string()).collect(),
        tags: def.tags.iter().map(|s| s.to_string()).collect(),
        source: def.source.map(str::to_owned),
        config: None,
        event: None,
        ty: None,
        value: None,
        wire: None,
        input: None,
        hex: None,
        canonical_hex: None,
        inner: None,
        steps: None,
        expect: None,
    };
    match &def.body {
        Body::Encode { ty, value } => {
            let inner = inner(ty, value).map_err(|e| fail(e.to_string()))?;
            pinnable(&inner).map_err(fail)?;
            case.kind = Kind::Encode;
            set_message(&mut case, inner);
        }
        Body::Decode { ty, bytes, value } => {
            case.kind = Kind::Decode;
            let canonical = codec::encode(ty, &to_yaml(value)).map_err(|e| fail(e.to_string()))?;
            let from_bytes = codec::canonicalize(ty, bytes).map_err(|e| fail(e.to_string()))?;
            if canonical != from_bytes {
                return Err(fail(format!(
                    "the hand-written bytes decode to a different value than the hand-written one: bytes give {}, value gives {}",
                    to_hex(&from_bytes),
                    to_hex(&canonical)
                )));
            }
            // Map entries with a default key or value have two valid encodings and no canonical
            // one for every encoder (SPEC.md), so both forms are decode vectors.
            if &canonical == bytes && !def.tags.contains(&"map") {
                return Err(fail(
                    "decode case bytes are already canonical; make it an encode case".into(),
                ));
            }
            case.ty = Some(ty.to_string());
            case.value = Some(codec::decode(ty, bytes).map_err(|e| fail(e.to_string()))?);
            case.hex = Some(to_hex(bytes));
            case.canonical_hex = Some(to_hex(&canonical));
        }
        Body::Wire { bytes, records } => {
            case.kind = Kind::Wire;
            let parsed = wire::parse(bytes).map_err(|e| fail(e.to_string()))?;
            super::check::wire_records_match(records, &parsed).map_err(fail)?;
            case.wire = Some(records.clone());
            case.hex = Some(to_hex(bytes));
        }
        Body::Request { event, payload } => {
            case.kind = Kind::Request;
            let (hex, inner) = request(event, payload.as_ref()).map_err(fail)?;
            case.event = Some(event.to_string());
            let bytes = super::hex::from_hex(&hex).expect("own hex");
            set_message(
                &mut case,
                Inner {
                    ty: "eventwire.v1.FFIRequest".into(),
                    value: codec::decode("eventwire.v1.FFIRequest", &bytes)
                        .map_err(|e| fail(e.to_string()))?,
                    hex,
                },
            );
            case.inner = inner;
        }
        Body::Response { event, outcome } => {
            case.kind = Kind::Response;
            let ev = tables()
                .event(event)
                .ok_or_else(|| fail(format!("no event `{event}`")))?;
            let (payload, code, inner) = match outcome {
                Outcome::Ok(output) => match (output, &ev.output) {
                    (Some(v), Some(desc)) => {
                        let inner = inner(desc.full_name(), v).map_err(|e| fail(e.to_string()))?;
                        pinnable(&inner).map_err(fail)?;
                        (
                            super::hex::from_hex(&inner.hex).expect("own hex"),
                            pb::FfiStatusCode::Ok,
                            Some(inner),
                        )
                    }
                    (None, None) => (Vec::new(), pb::FfiStatusCode::Ok, None),
                    _ => {
                        return Err(fail(
                            "output given for an event without output, or missing".into(),
                        ));
                    }
                },
                Outcome::Err { code, msg, payload } => {
                    let fe = pb::FlowyError {
                        code: *code,
                        msg: (*msg).to_owned(),
                        payload: payload.clone(),
                        category: super::codes::category(*code) as i32,
                    };
                    let bytes = fe.encode_to_vec();
                    let inner = Inner {
                        ty: FLOWY.into(),
                        value: codec::decode(FLOWY, &bytes).map_err(|e| fail(e.to_string()))?,
                        hex: to_hex(&bytes),
                    };
                    (bytes, pb::FfiStatusCode::Err, Some(inner))
                }
            };
            let bytes = pb::FfiResponse {
                payload,
                code: code as i32,
            }
            .encode_to_vec();
            case.event = Some(event.to_string());
            set_message(
                &mut case,
                Inner {
                    ty: "eventwire.v1.FFIResponse".into(),
                    value: codec::decode("eventwire.v1.FFIResponse", &bytes)
                        .map_err(|e| fail(e.to_string()))?,
                    hex: to_hex(&bytes),
                },
            );
            case.inner = inner;
        }
        Body::Notification {
            source,
            ty,
            id,
            seq,
            arm,
        } => {
            case.kind = Kind::Notification;
            let n = NotifDef {
                source,
                ty: *ty,
                id: id.to_string(),
                arm: arm.clone(),
            };
            let en = notification(&n, *seq).map_err(fail)?;
            let bytes = super::hex::from_hex(&en.hex).expect("own hex");
            set_message(
                &mut case,
                Inner {
                    ty: "eventwire.v1.SubscribeObject".into(),
                    value: codec::decode("eventwire.v1.SubscribeObject", &bytes)
                        .map_err(|e| fail(e.to_string()))?,
                    hex: en.hex,
                },
            );
            case.inner = Some(en.inner);
        }
        Body::Dispatch { config, steps } => {
            case.kind = Kind::Dispatch;
            case.config = config.clone();
            let mut seq = 0;
            let mut out = Vec::new();
            for s in steps {
                let (hex, inner) = request(s.event, s.payload.as_ref()).map_err(fail)?;
                let output_ty = tables()
                    .event(s.event)
                    .and_then(|e| e.output.as_ref())
                    .map(|d| d.full_name().to_owned());
                let expect =
                    expect(&s.expect, output_ty.as_deref(), &mut seq, true).map_err(fail)?;
                out.push(Step {
                    event: s.event.to_string(),
                    inner,
                    hex,
                    expect,
                });
            }
            case.steps = Some(out);
        }
        Body::Reject {
            config,
            input,
            bytes,
            expect: e,
        } => {
            case.kind = Kind::Reject;
            case.config = config.clone();
            case.input = Some(*input);
            case.hex = Some(to_hex(bytes));
            let output_ty = match input {
                Input::Request => pb::FfiRequest::decode(bytes.as_slice()).ok().and_then(|r| {
                    tables()
                        .event(&r.event)
                        .and_then(|e| e.output.as_ref())
                        .map(|d| d.full_name().to_owned())
                }),
                _ => None,
            };
            // The hand-written outcome of what a front end receives must be the reference
            // receiver's reading of the bytes.
            match (input, e) {
                (Input::Notification, ExpectDef::Malformed(m)) => {
                    let read = super::outcome::receive_notification(bytes).is_none();
                    if read != *m {
                        return Err(fail(format!(
                            "the case says malformed = {m}, the reference receiver reads malformed = {read}"
                        )));
                    }
                }
                (Input::Response, ExpectDef::Err { code, .. }) => {
                    match super::outcome::receive_response(bytes) {
                        Ok(Err(got)) if got.code == *code => {}
                        other => {
                            return Err(fail(format!(
                                "the case expects {}, the reference receiver reads {other:?}",
                                super::codes::value_name(*code)
                            )));
                        }
                    }
                }
                (Input::Request, _) => {}
                _ => return Err(fail("the outcome does not fit the input".into())),
            }
            let mut seq = 0;
            case.expect = Some(
                expect(e, output_ty.as_deref(), &mut seq, *input == Input::Request)
                    .map_err(fail)?,
            );
        }
    }
    Ok(case)
}

/// REQ-ENC-4(e): bytes are pinned only for values without a map entry whose key or value is the
/// default (encoders may write or omit it, REQ-ENC-4(c)).
fn pinnable(inner: &Inner) -> Result<(), String> {
    let entries = default_map_entries(
        &inner.ty,
        &super::hex::from_hex(&inner.hex).expect("own hex"),
    );
    if entries.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} holds a map entry with a default key or value ({}), whose bytes SPEC.md REQ-ENC-4(c) leaves open: make it a decode case, or compare the decoded value",
            inner.ty,
            entries.join(", ")
        ))
    }
}

/// The map entries of a message (at any depth) whose key or value is the default, as
/// `field[key]` paths.
pub fn default_map_entries(ty: &str, bytes: &[u8]) -> Vec<String> {
    use prost_reflect::{DynamicMessage, MapKey, Value};
    fn walk(msg: &DynamicMessage, path: &str, out: &mut Vec<String>) {
        for (field, value) in msg.fields() {
            let here = if path.is_empty() {
                field.name().to_owned()
            } else {
                format!("{path}.{}", field.name())
            };
            match value {
                Value::Map(map) => {
                    let Some(entry) = field.kind().as_message().cloned() else {
                        continue;
                    };
                    let value_field = entry.map_entry_value_field();
                    let default = Value::default_value_for_field(&value_field);
                    let mut keys: Vec<&MapKey> = map.keys().collect();
                    keys.sort_by_key(|k| format!("{k:?}"));
                    for k in keys {
                        let v = &map[k];
                        let key_default = matches!(
                            k,
                            MapKey::Bool(false)
                                | MapKey::I32(0)
                                | MapKey::I64(0)
                                | MapKey::U32(0)
                                | MapKey::U64(0)
                        ) || matches!(k, MapKey::String(s) if s.is_empty());
                        if key_default || *v == default {
                            out.push(format!("{here}[{k:?}]"));
                        }
                        if let Value::Message(m) = v {
                            walk(m, &format!("{here}[{k:?}]"), out);
                        }
                    }
                }
                Value::Message(m) => walk(m, &here, out),
                Value::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Value::Message(m) = item {
                            walk(m, &format!("{here}[{i}]"), out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Ok(desc) = codec::message(ty) {
        if let Ok(msg) = DynamicMessage::decode(desc, bytes) {
            walk(&msg, "", &mut out);
        }
    }
    out
}

fn set_message(case: &mut Case, inner: Inner) {
    case.ty = Some(inner.ty);
    case.value = Some(inner.value);
    case.hex = Some(inner.hex);
}

pub fn to_yaml(json: &Json) -> serde_norway::Value {
    serde_norway::to_value(json).expect("JSON is YAML")
}

/// A message as type, canonical proto-JSON and canonical bytes.
fn inner(ty: &str, value: &Json) -> Result<Inner, codec::CodecError> {
    let bytes = codec::encode(ty, &to_yaml(value))?;
    Ok(Inner {
        ty: ty.to_owned(),
        value: codec::decode(ty, &bytes)?,
        hex: to_hex(&bytes),
    })
}

/// The FFIRequest for `event` and its decoded input.
fn request(event: &str, payload: Option<&Json>) -> Result<(String, Option<Inner>), String> {
    let ev = tables()
        .event(event)
        .ok_or_else(|| format!("no event `{event}`"))?;
    let inner = match (payload, &ev.input) {
        (Some(v), Some(desc)) => Some(inner(desc.full_name(), v).map_err(|e| e.to_string())?),
        (None, None) => None,
        _ => {
            return Err(format!(
                "payload given for `{event}` without input, or missing"
            ));
        }
    };
    if let Some(i) = &inner {
        pinnable(i)?;
    }
    let payload = inner
        .as_ref()
        .map(|i| super::hex::from_hex(&i.hex).expect("own hex"))
        .unwrap_or_default();
    let bytes = pb::FfiRequest {
        event: event.to_owned(),
        payload,
    }
    .encode_to_vec();
    Ok((to_hex(&bytes), inner))
}

fn notification(n: &NotifDef, seq: u64) -> Result<ExpectNotification, String> {
    use pb::subscribe_object::{ErrorOneof, PayloadOneof};
    let (inner, payload_oneof, error_oneof) = match &n.arm {
        Arm::Payload(v) => {
            let kind = tables()
                .notification(n.source, n.ty)
                .ok_or_else(|| format!("no notification ({}, {})", n.source, n.ty))?;
            let inner = inner(kind.payload.full_name(), v).map_err(|e| e.to_string())?;
            pinnable(&inner)?;
            let bytes = super::hex::from_hex(&inner.hex).expect("own hex");
            (inner, Some(PayloadOneof::Payload(bytes)), None)
        }
        Arm::Error { code, msg } => {
            let bytes = pb::FlowyError::new(*code, msg.clone()).encode_to_vec();
            let inner = Inner {
                ty: FLOWY.into(),
                value: codec::decode(FLOWY, &bytes).map_err(|e| e.to_string())?,
                hex: to_hex(&bytes),
            };
            (inner, None, Some(ErrorOneof::Error(bytes)))
        }
    };
    let so = pb::SubscribeObject {
        source: n.source.to_owned(),
        ty: n.ty,
        id: n.id.clone(),
        seq,
        payload_oneof,
        error_oneof,
    };
    Ok(ExpectNotification {
        source: n.source.to_owned(),
        ty: n.ty,
        id: n.id.clone(),
        seq,
        inner,
        hex: to_hex(&so.encode_to_vec()),
    })
}

fn error(code: i32, payload: Option<&Vec<u8>>) -> ExpectError {
    ExpectError {
        code: super::codes::value_name(code),
        category: super::codes::category(code).as_str_name().to_owned(),
        payload_hex: payload.map(|p| to_hex(p)),
    }
}

/// The outcome; `seq` is the number of notifications delivered so far in the case.
fn expect(
    e: &ExpectDef,
    output_ty: Option<&str>,
    seq: &mut u64,
    with_notifications: bool,
) -> Result<Expect, String> {
    let mut x = Expect {
        status: None,
        error: None,
        output: None,
        response_hex: None,
        bytes_comparable: None,
        notifications: None,
        malformed: None,
    };
    match e {
        ExpectDef::Ok {
            output,
            notifications,
        } => {
            x.status = Some(Status::Ok);
            let payload = match (output, output_ty) {
                (Some(v), Some(ty)) => {
                    let i = inner(ty, v).map_err(|e| e.to_string())?;
                    let bytes = super::hex::from_hex(&i.hex).expect("own hex");
                    x.output = Some(i);
                    bytes
                }
                (None, None) => Vec::new(),
                _ => return Err("output given for an event without output, or missing".into()),
            };
            // An output with a default map entry has more than one valid encoding: mark it, and
            // pin no bytes (REQ-ENC-4(e)).
            match x.output.as_ref().map(pinnable) {
                Some(Err(_)) => x.bytes_comparable = Some(false),
                _ => {
                    x.response_hex = Some(to_hex(
                        &pb::FfiResponse { payload, code: 0 }.encode_to_vec(),
                    ))
                }
            }
            let mut out = Vec::new();
            for n in notifications {
                *seq += 1;
                out.push(notification(n, *seq)?);
            }
            if with_notifications {
                x.notifications = Some(out);
            }
        }
        ExpectDef::Err { code, payload } => {
            x.status = Some(Status::Err);
            x.error = Some(error(*code, payload.as_ref()));
            if with_notifications {
                x.notifications = Some(Vec::new());
            }
        }
        ExpectDef::Malformed(m) => x.malformed = Some(*m),
    }
    Ok(x)
}

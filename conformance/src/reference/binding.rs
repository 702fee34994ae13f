//! The reference binding: what a front end does with bytes, built on the schema's descriptors.
//!
//! Dynamic messages keep unknown fields, so this binding preserves them on re-encoding, and
//! everything is encoded with the canonical encoder.

use eventwire_schema::{
    pb::{self, FfiRequest, FfiResponse, FfiStatusCode, FlowyError, SubscribeObject},
    tables,
    testee_pb::{self, FailureKind, MalformedKind, case_result::Result as R},
};
use prost::Message;
use prost_reflect::DynamicMessage;

use super::Flaw;
use crate::{canonical, json};

fn failure(kind: FailureKind, message: impl Into<String>) -> R {
    R::Failure(testee_pb::Failure {
        kind: kind as i32,
        message: message.into(),
    })
}

fn malformed(kind: MalformedKind, message: impl Into<String>) -> testee_pb::interpreted::Outcome {
    testee_pb::interpreted::Outcome::Malformed(testee_pb::Malformed {
        kind: kind as i32,
        message: message.into(),
    })
}

pub fn encode(op: &testee_pb::EncodeOp, flaw: Option<&Flaw>) -> R {
    let Some(desc) = json::message_type(&op.message_type) else {
        return failure(
            FailureKind::UnknownType,
            format!("no message type {}", op.message_type),
        );
    };
    match json::parse(&desc, &op.json) {
        Ok(mut message) => match flaw {
            Some(Flaw::MapInsertionOrder) => {
                super::flaw::encode_maps_in_insertion_order(&desc, &op.json, &message)
            }
            Some(f) => {
                super::flaw::mangle_numbers(&mut message, f);
                R::Data(canonical::encode(&message, canonical::Unknown::Keep))
            }
            None => R::Data(canonical::encode(&message, canonical::Unknown::Keep)),
        },
        Err(e) => failure(FailureKind::Json, e),
    }
}

/// Decodes as this binding does: exactly, or as a flawed binding would.
fn decode_message(
    desc: prost_reflect::MessageDescriptor,
    data: &[u8],
    flaw: Option<&Flaw>,
) -> Result<DynamicMessage, String> {
    let mut message = match flaw {
        Some(Flaw::LenientWireTypes) => super::flaw::decode_skipping_wrong_wire_types(&desc, data),
        _ => DynamicMessage::decode(desc, data).map_err(|e| e.to_string()),
    }?;
    if let Some(f) = flaw {
        super::flaw::mangle_numbers(&mut message, f);
    }
    Ok(message)
}

pub fn decode(op: &testee_pb::DecodeOp, flaw: Option<&Flaw>) -> R {
    let Some(desc) = json::message_type(&op.message_type) else {
        return failure(
            FailureKind::UnknownType,
            format!("no message type {}", op.message_type),
        );
    };
    match decode_message(desc, op.data.as_slice(), flaw) {
        Ok(message) => R::Json(json::to_string(&message)),
        Err(e) => failure(FailureKind::Decode, e),
    }
}

/// REQ-ERR-9: a declared code means its schema category; an undeclared one the received
/// category, unless that is UNSPECIFIED or undeclared, which means INTERNAL.
pub fn resolve_category(mut error: FlowyError, flaw: Option<&Flaw>) -> FlowyError {
    if flaw == Some(&Flaw::CategoryAsReceived) {
        return error;
    }
    error.category = crate::check::resolved_category(error.code, error.category);
    error
}

pub fn round_trip(op: &testee_pb::RoundTripOp, flaw: Option<&Flaw>) -> R {
    let Some(desc) = json::message_type(&op.message_type) else {
        return failure(
            FailureKind::UnknownType,
            format!("no message type {}", op.message_type),
        );
    };
    let unknown = match flaw {
        Some(Flaw::DropUnknownFields) => canonical::Unknown::Drop,
        _ => canonical::Unknown::Keep,
    };
    match decode_message(desc, op.data.as_slice(), flaw) {
        Ok(message) => R::Data(canonical::encode(&message, unknown)),
        Err(e) => failure(FailureKind::Decode, e),
    }
}

pub fn build_request(op: &testee_pb::BuildRequestOp) -> R {
    let Some(event) = tables().event(&op.event) else {
        return failure(FailureKind::UnknownEvent, format!("no event {}", op.event));
    };
    let payload = match &event.input {
        Some(desc) => match json::parse(desc, &op.input_json) {
            Ok(input) => canonical::encode(&input, canonical::Unknown::Keep),
            Err(e) => return failure(FailureKind::Json, e),
        },
        None => match serde_json::from_str::<serde_json::Value>(&op.input_json) {
            Ok(serde_json::Value::Object(m)) if m.is_empty() => Vec::new(),
            _ => {
                return failure(
                    FailureKind::Json,
                    format!("{} has no input; its input is {{}}", op.event),
                );
            }
        },
    };
    R::Data(
        FfiRequest {
            event: op.event.clone(),
            payload,
        }
        .encode_to_vec(),
    )
}

pub fn interpret_response(op: &testee_pb::InterpretResponseOp, flaw: Option<&Flaw>) -> R {
    let Some(event) = tables().event(&op.event) else {
        return failure(FailureKind::UnknownEvent, format!("no event {}", op.event));
    };
    let outcome = match FfiResponse::decode(op.response.as_slice()) {
        Err(e) => malformed(MalformedKind::Envelope, e.to_string()),
        Ok(response) if response.code == FfiStatusCode::Ok as i32 => match &event.output {
            Some(desc) => match decode_message(desc.clone(), response.payload.as_slice(), flaw) {
                Ok(output) => testee_pb::interpreted::Outcome::OutputJson(json::to_string(&output)),
                Err(e) => malformed(MalformedKind::Output, e),
            },
            // An event without output: the payload is an empty message, whatever valid encoding.
            None => match <() as Message>::decode(response.payload.as_slice()) {
                Ok(_) => testee_pb::interpreted::Outcome::OutputJson("{}".into()),
                Err(e) => malformed(MalformedKind::Output, e.to_string()),
            },
        },
        // Every other status, known or not, carries a FlowyError.
        Ok(response) => match flaw {
            Some(Flaw::ErrorAsText) => testee_pb::interpreted::Outcome::Error(FlowyError::new(
                pb::ErrorCode::Internal,
                String::from_utf8_lossy(&response.payload),
            )),
            _ => match FlowyError::decode(response.payload.as_slice()) {
                Ok(error) => testee_pb::interpreted::Outcome::Error(resolve_category(error, flaw)),
                Err(e) => malformed(MalformedKind::ErrorPayload, e.to_string()),
            },
        },
    };
    R::Interpreted(testee_pb::Interpreted {
        outcome: Some(outcome),
    })
}

pub fn route_notifications(op: &testee_pb::RouteNotificationsOp, flaw: Option<&Flaw>) -> R {
    use testee_pb::delivery::Content;
    let mut listeners: Vec<&testee_pb::Listener> = op.listeners.iter().collect();
    listeners.sort_by_key(|l| l.listener);
    let mut routed = testee_pb::Routed::default();
    for (index, raw) in op.notifications.iter().enumerate() {
        let index = index as u32;
        let Ok(n) = SubscribeObject::decode(raw.as_slice()) else {
            routed.malformed.push(index);
            continue;
        };
        let matching: Vec<u32> = listeners
            .iter()
            .filter(|l| match flaw {
                Some(Flaw::RouteByTyAlone) => l.ty == n.ty,
                _ => {
                    l.source == n.source
                        && l.ty == n.ty
                        && l.id.as_ref().is_none_or(|id| *id == n.id)
                }
            })
            .map(|l| l.listener)
            .collect();
        // Exactly one of payload and error, and it must decode, whether or not anyone listens
        // (REQ-NOTIF-2, REQ-NOTIF-16); a payload of an undeclared (source, ty) is not judged and
        // reaches no typed listener (REQ-NOTIF-11).
        let judge_only_when_listened = flaw == Some(&Flaw::JudgeOnlyWhenListened);
        let content = match (&n.payload_oneof, &n.error_oneof) {
            _ if judge_only_when_listened
                && matching.is_empty()
                && (n.payload_oneof.is_some() != n.error_oneof.is_some()) =>
            {
                continue;
            }
            (Some(pb::subscribe_object::PayloadOneof::Payload(p)), None) => {
                match tables().notification(&n.source, n.ty) {
                    None => continue,
                    Some(kind) => decode_message(kind.payload.clone(), p.as_slice(), flaw)
                        .ok()
                        .map(|m| Content::PayloadJson(json::to_string(&m))),
                }
            }
            (None, Some(pb::subscribe_object::ErrorOneof::Error(e))) => {
                FlowyError::decode(e.as_slice())
                    .ok()
                    .map(|e| Content::Error(resolve_category(e, flaw)))
            }
            _ => None,
        };
        let Some(content) = content else {
            routed.malformed.push(index);
            continue;
        };
        for listener in matching {
            routed.deliveries.push(testee_pb::Delivery {
                listener,
                notification: index,
                content: Some(content.clone()),
            });
        }
    }
    R::Routed(routed)
}

//! Bytes written as data: how a case spells the bytes it sends or expects.
//!
//! A bytes value in a suite file is a one-key object:
//!
//! - `{hex: "0a 03 61 62 63"}`: raw bytes (whitespace ignored);
//! - `{text: "boom"}`: the UTF-8 bytes of a string;
//! - `{concat: [<bytes>, ...]}`: the parts one after the other;
//! - `{repeat: <bytes>, times: N}`: the part N times;
//! - `{nest: N}`: a `RecursivePB` with N levels (each level's `child` holds the next);
//! - `{handshake: {drop_events: [names], alter_events: [names], add_module: NAME, protocol_version: N}}`
//!   (every key optional): an encoded `StreamFrame{handshake}` (SPEC.md section 16.5) announcing
//!   the project's schema (the conformance module and the sample application), without the events
//!   dropped, with the fingerprints of the events altered changed, with a module NAME of one event
//!   `ExtraEvent` added, and with another protocol version; the fingerprints of the modules
//!   concerned change with them;
//! - `{frame: <bytes>}`: a stream frame (SPEC.md section 13.3): the part's length as 4 bytes,
//!   little endian, then the part;
//! - `{<Message>: <proto-JSON>}`: the canonical encoding of a message, e.g.
//!   `{FFIResponse: {code: FFI_STATUS_CODE_ERR, payload: {FlowyError: {code: ERROR_CODE_INTERNAL}}}}`.
//!   Inside, a `bytes` field may itself be written as a bytes value (an object), or as base64.

use base64::Engine;
use prost_reflect::{Kind, MessageDescriptor};
use serde_json::Value;

use crate::{canonical, json};

/// Builds the bytes `spec` denotes.
pub fn build(spec: &Value) -> Result<Vec<u8>, String> {
    let Value::Object(map) = spec else {
        return Err(format!(
            "a bytes value is an object such as {{hex: ...}}, not {spec}"
        ));
    };
    if let Some(times) = map.get("times") {
        let part = map.get("repeat").ok_or("`times` goes with `repeat`")?;
        let times = times.as_u64().ok_or("`times` is a number")?;
        return Ok(build(part)?.repeat(times as usize));
    }
    if map.len() != 1 {
        return Err(format!("a bytes value has exactly one key, got {spec}"));
    }
    let (key, value) = map.iter().next().expect("one key");
    match key.as_str() {
        "hex" => {
            let text: String = value
                .as_str()
                .ok_or("`hex` is a string")?
                .split_whitespace()
                .collect();
            hex::decode(&text).map_err(|e| format!("bad hex {text:?}: {e}"))
        }
        "text" => Ok(value
            .as_str()
            .ok_or("`text` is a string")?
            .as_bytes()
            .to_vec()),
        "concat" => {
            let parts = value.as_array().ok_or("`concat` is a list")?;
            let mut out = Vec::new();
            for part in parts {
                out.extend(build(part)?);
            }
            Ok(out)
        }
        "nest" => Ok(nest(value.as_u64().ok_or("`nest` is a number")? as usize)),
        "handshake" => {
            let frame = eventwire_schema::pb::StreamFrame {
                kind: Some(eventwire_schema::pb::stream_frame::Kind::Handshake(
                    handshake(value)?,
                )),
            };
            Ok(prost::Message::encode_to_vec(&frame))
        }
        "frame" => {
            let body = build(value)?;
            let len = u32::try_from(body.len()).map_err(|_| "a frame body longer than 4 GiB")?;
            Ok([&len.to_le_bytes()[..], &body].concat())
        }
        name => {
            let desc =
                json::message_type(name).ok_or_else(|| format!("unknown message type `{name}`"))?;
            encode_message(&desc, value)
        }
    }
}

/// The canonical encoding of `json` as `desc`, with nested bytes values resolved.
pub fn encode_message(desc: &MessageDescriptor, json: &Value) -> Result<Vec<u8>, String> {
    let resolved = resolve(desc, json)?;
    let message =
        json::from_value(desc, &resolved).map_err(|e| format!("{}: {e}", desc.full_name()))?;
    Ok(canonical::encode(&message, canonical::Unknown::Keep))
}

/// A `RecursivePB` of `levels` levels: the innermost is empty, each outer one holds it in `child`.
pub fn nest(levels: usize) -> Vec<u8> {
    let mut inner: Vec<u8> = Vec::new();
    for _ in 1..levels {
        let mut outer = vec![0x12];
        prost::encoding::encode_varint(inner.len() as u64, &mut outer);
        outer.extend(inner);
        inner = outer;
    }
    inner
}

/// Replaces bytes values written as objects by their base64, so the JSON parses as proto-JSON.
fn resolve(desc: &MessageDescriptor, json: &Value) -> Result<Value, String> {
    let Value::Object(map) = json else {
        return Ok(json.clone());
    };
    let mut out = serde_json::Map::new();
    for (key, value) in map {
        let field = desc
            .fields()
            .find(|f| f.json_name() == key || f.name() == key);
        let resolved = match field {
            None => value.clone(),
            Some(field) => {
                let kind = field.kind();
                if field.is_map() {
                    let Kind::Message(entry) = &kind else {
                        unreachable!("map fields are messages")
                    };
                    let value_kind = entry.map_entry_value_field().kind();
                    match value {
                        Value::Object(entries) => Value::Object(
                            entries
                                .iter()
                                .map(|(k, v)| Ok((k.clone(), resolve_single(&value_kind, v)?)))
                                .collect::<Result<_, String>>()?,
                        ),
                        other => other.clone(),
                    }
                } else if field.is_list() {
                    match value {
                        Value::Array(items) => Value::Array(
                            items
                                .iter()
                                .map(|v| resolve_single(&kind, v))
                                .collect::<Result<_, _>>()?,
                        ),
                        other => other.clone(),
                    }
                } else {
                    resolve_single(&kind, value)?
                }
            }
        };
        out.insert(key.clone(), resolved);
    }
    Ok(Value::Object(out))
}

fn resolve_single(kind: &Kind, value: &Value) -> Result<Value, String> {
    match (kind, value) {
        (Kind::Bytes, Value::Object(_)) => Ok(Value::String(
            base64::engine::general_purpose::STANDARD.encode(build(value)?),
        )),
        (Kind::Message(desc), Value::Object(_)) => resolve(desc, value),
        _ => Ok(value.clone()),
    }
}

/// The handshake of the project's schema: what a backend or binding built from it announces.
pub fn reference_handshake() -> eventwire_schema::pb::StreamHandshake {
    eventwire::handshake::handshake_of([
        &eventwire_conformance_module::SCHEMA,
        &eventwire_sample_app::SCHEMA,
    ])
}

/// `{drop_events, alter_events, protocol_version}` applied to [`reference_handshake`].
pub fn handshake(spec: &Value) -> Result<eventwire_schema::pb::StreamHandshake, String> {
    let map = spec
        .as_object()
        .ok_or("`handshake` takes an object (`{}` for the project's schema)")?;
    let names = |key: &str| -> Result<Vec<String>, String> {
        match map.get(key) {
            None => Ok(Vec::new()),
            Some(v) => v
                .as_array()
                .ok_or(format!("`{key}` is a list of event names"))?
                .iter()
                .map(|n| {
                    n.as_str()
                        .map(str::to_owned)
                        .ok_or(format!("`{key}` is a list of event names"))
                })
                .collect(),
        }
    };
    let drop = names("drop_events")?;
    let alter = names("alter_events")?;
    if let Some(bad) = map.keys().find(|k| {
        ![
            "drop_events",
            "alter_events",
            "protocol_version",
            "add_module",
        ]
        .contains(&k.as_str())
    }) {
        return Err(format!(
            "`handshake` takes drop_events, alter_events, add_module and protocol_version, not `{bad}`"
        ));
    }
    let mut h = reference_handshake();
    for name in drop.iter().chain(&alter) {
        if !h
            .modules
            .iter()
            .any(|m| m.events.iter().any(|e| &e.name == name))
        {
            return Err(format!("`{name}` is no event of the project's schema"));
        }
    }
    if let Some(v) = map.get("protocol_version") {
        h.protocol_version = v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or("`protocol_version` is a number")?;
    }
    if let Some(v) = map.get("add_module") {
        let name = v.as_str().ok_or("`add_module` is a module name")?;
        h.modules.push(eventwire_schema::pb::ModuleFingerprint {
            name: name.to_owned(),
            fingerprint: vec![0; 32],
            events: vec![eventwire_schema::pb::EventFingerprint {
                name: "ExtraEvent".into(),
                id: 1,
                fingerprint: vec![0; 32],
            }],
        });
        h.modules
            .sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    }
    for m in &mut h.modules {
        let before = m.events.len();
        m.events.retain(|e| !drop.contains(&e.name));
        let mut changed = m.events.len() != before;
        for e in &mut m.events {
            if alter.contains(&e.name) {
                // Another schema's fingerprint: the bytes of this one, each inverted.
                e.fingerprint.iter_mut().for_each(|b| *b = !*b);
                changed = true;
            }
        }
        if changed {
            m.fingerprint.iter_mut().for_each(|b| *b = !*b);
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_bytes_fields_are_encoded_in_place() {
        let spec = json!({"FFIResponse": {"code": "FFI_STATUS_CODE_ERR",
            "payload": {"FlowyError": {"code": "ERROR_CODE_UNKNOWN_EVENT", "category": "ERROR_CATEGORY_UNIMPLEMENTED"}}}});
        // payload: 0a 05 (08 c8 01 20 03), code: 10 01.
        assert_eq!(hex::encode(build(&spec).unwrap()), "0a0508c80120031001");
    }

    #[test]
    fn raw_forms() {
        assert_eq!(
            build(&json!({"hex": "0a 01\n ff"})).unwrap(),
            vec![0x0a, 0x01, 0xff]
        );
        assert_eq!(build(&json!({"text": "ab"})).unwrap(), b"ab".to_vec());
        assert_eq!(
            build(&json!({"repeat": {"hex": "00"}, "times": 3})).unwrap(),
            vec![0, 0, 0]
        );
        assert_eq!(
            build(&json!({"concat": [{"hex": "01"}, {"text": "a"}]})).unwrap(),
            vec![1, b'a']
        );
        assert_eq!(
            build(&json!({"nest": 3})).unwrap(),
            vec![0x12, 0x02, 0x12, 0x00]
        );
        assert!(build(&json!("0a")).is_err());
        assert!(build(&json!({"NoSuchPB": {}})).is_err());
    }
}

//! Between the two spellings of a message in a vector file: canonical proto-JSON and bytes.

use eventwire_schema::descriptor_pool;
use prost::Message;
use prost_reflect::{DynamicMessage, Kind, MessageDescriptor, ReflectMessage};
use serde_norway::Value;

use super::typed;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("`{0}` is not a message of the schema")]
    UnknownType(String),
    #[error("`{0}` has no prost type, so it has no reference encoding")]
    Untyped(String),
    #[error("value is not valid proto-JSON for {ty}: {msg}")]
    Json { ty: String, msg: String },
    #[error("bytes do not decode as {ty}: {msg}")]
    Decode { ty: String, msg: String },
}

pub fn message(full_name: &str) -> Result<MessageDescriptor, CodecError> {
    descriptor_pool()
        .get_message_by_name(full_name)
        .ok_or_else(|| CodecError::UnknownType(full_name.to_owned()))
}

/// Parses proto-JSON (strictly: unknown JSON fields are errors).
pub fn from_json(desc: &MessageDescriptor, value: &Value) -> Result<DynamicMessage, CodecError> {
    DynamicMessage::deserialize(desc.clone(), value.clone()).map_err(|e| CodecError::Json {
        ty: desc.full_name().to_owned(),
        msg: e.to_string(),
    })
}

/// The canonical encoding of a proto-JSON value: parsed by prost-reflect, encoded by prost.
pub fn encode(full_name: &str, value: &Value) -> Result<Vec<u8>, CodecError> {
    let desc = message(full_name)?;
    let dynamic = from_json(&desc, value)?.encode_to_vec();
    canonicalize(full_name, &dynamic)
}

/// Any valid encoding -> the canonical one (through the prost type).
pub fn canonicalize(full_name: &str, bytes: &[u8]) -> Result<Vec<u8>, CodecError> {
    typed::reencode(full_name, bytes)
        .ok_or_else(|| CodecError::Untyped(full_name.to_owned()))?
        .map_err(|e| CodecError::Decode {
            ty: full_name.to_owned(),
            msg: e.to_string(),
        })
}

/// Bytes -> canonical proto-JSON, with map entries in canonical key order.
pub fn decode(full_name: &str, bytes: &[u8]) -> Result<Value, CodecError> {
    let desc = message(full_name)?;
    let msg = DynamicMessage::decode(desc.clone(), bytes).map_err(|e| CodecError::Decode {
        ty: full_name.to_owned(),
        msg: e.to_string(),
    })?;
    Ok(to_json(&msg))
}

/// A dynamic message as canonical proto-JSON (prost-reflect's serializer, default options).
pub fn to_json(msg: &DynamicMessage) -> Value {
    let mut value = serde_norway::to_value(msg).expect("a DynamicMessage always serializes");
    sort_maps(&msg.descriptor(), &mut value);
    value
}

/// prost-reflect writes map fields in hash order; vector files need one order, the canonical one.
fn sort_maps(desc: &MessageDescriptor, value: &mut Value) {
    let Value::Mapping(fields) = value else {
        return;
    };
    for field in desc.fields() {
        let Some(v) = fields.get_mut(field.json_name()) else {
            continue;
        };
        let Kind::Message(inner) = field.kind() else {
            continue;
        };
        if field.is_map() {
            let value_desc = inner.map_entry_value_field();
            let Value::Mapping(entries) = v else { continue };
            let mut sorted: Vec<(Value, Value)> = std::mem::take(entries).into_iter().collect();
            let key_kind = inner.map_entry_key_field().kind();
            sorted.sort_by_key(|(k, _)| map_key_order(&key_kind, k));
            for (k, mut e) in sorted {
                if let Kind::Message(m) = value_desc.kind() {
                    sort_maps(&m, &mut e);
                }
                entries.insert(k, e);
            }
        } else if field.is_list() {
            if let Value::Sequence(items) = v {
                items.iter_mut().for_each(|i| sort_maps(&inner, i));
            }
        } else {
            sort_maps(&inner, v);
        }
    }
}

/// Sort key of a proto-JSON map key: integers numerically (signed for signed types), bool false
/// first, strings by UTF-8 bytes.
fn map_key_order(kind: &Kind, key: &Value) -> (i128, Vec<u8>) {
    let text = match key {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    match kind {
        Kind::String => (0, text.into_bytes()),
        Kind::Bool => (i128::from(text == "true"), Vec::new()),
        _ => (text.parse::<i128>().unwrap_or(0), Vec::new()),
    }
}

//! The canonical binary encoding of a dynamic message (SPEC.md, canonical encoding).
//!
//! `prost-reflect` encodes map entries in hash order and interleaves unknown fields with known
//! ones by number, so its own `encode_to_vec` is not canonical. This encoder writes known fields
//! in ascending number order, map entries sorted by key (default keys and values inside an entry
//! omitted, as prost does), packed repeated scalars, and then the unknown fields, unchanged.

use prost::{
    bytes::BufMut,
    encoding::{WireType, encode_key, encode_varint},
};
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, Value};

/// What to do with unknown fields when re-encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// Append them after the known fields (what a binding should do).
    Keep,
    /// Leave them out (what a typed handler does).
    Drop,
}

/// Encodes `message` canonically.
pub fn encode(message: &DynamicMessage, unknown: Unknown) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(message, unknown, &mut out);
    out
}

fn encode_into(message: &DynamicMessage, unknown: Unknown, out: &mut Vec<u8>) {
    let mut fields: Vec<FieldDescriptor> = message.descriptor().fields().collect();
    fields.sort_by_key(FieldDescriptor::number);
    for field in fields {
        if !message.has_field(&field) {
            continue;
        }
        let value = message.get_field(&field);
        encode_field(&field, &value, unknown, out);
    }
    if unknown == Unknown::Keep {
        for field in message.unknown_fields() {
            field.encode(out);
        }
    }
}

fn encode_field(field: &FieldDescriptor, value: &Value, unknown: Unknown, out: &mut Vec<u8>) {
    let number = field.number();
    match value {
        Value::List(items) if field.is_packed() => {
            if items.is_empty() {
                return;
            }
            let mut body = Vec::new();
            for item in items {
                encode_scalar_body(&field.kind(), item, &mut body);
            }
            encode_key(number, WireType::LengthDelimited, out);
            encode_varint(body.len() as u64, out);
            out.put_slice(&body);
        }
        Value::List(items) => {
            for item in items {
                encode_single(number, &field.kind(), item, unknown, out);
            }
        }
        Value::Map(entries) => {
            let Kind::Message(entry) = field.kind() else {
                return;
            };
            let key_field = entry.map_entry_key_field();
            let value_field = entry.map_entry_value_field();
            let mut sorted: Vec<(&MapKey, &Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| compare_keys(a.0, b.0));
            for (key, value) in sorted {
                let mut body = Vec::new();
                let key_value = Value::from(key.clone());
                if !key_value.is_default(&key_field.kind()) {
                    encode_single(1, &key_field.kind(), &key_value, unknown, &mut body);
                }
                if !value.is_default(&value_field.kind()) {
                    encode_single(2, &value_field.kind(), value, unknown, &mut body);
                }
                encode_key(number, WireType::LengthDelimited, out);
                encode_varint(body.len() as u64, out);
                out.put_slice(&body);
            }
        }
        single => encode_single(number, &field.kind(), single, unknown, out),
    }
}

/// Map keys in canonical order: integers numerically, `false` before `true`, strings by bytes.
fn compare_keys(a: &MapKey, b: &MapKey) -> std::cmp::Ordering {
    match (a, b) {
        (MapKey::Bool(a), MapKey::Bool(b)) => a.cmp(b),
        (MapKey::I32(a), MapKey::I32(b)) => a.cmp(b),
        (MapKey::I64(a), MapKey::I64(b)) => a.cmp(b),
        (MapKey::U32(a), MapKey::U32(b)) => a.cmp(b),
        (MapKey::U64(a), MapKey::U64(b)) => a.cmp(b),
        (MapKey::String(a), MapKey::String(b)) => a.as_bytes().cmp(b.as_bytes()),
        // Keys of one map always have one type.
        _ => std::cmp::Ordering::Equal,
    }
}

fn encode_single(number: u32, kind: &Kind, value: &Value, unknown: Unknown, out: &mut Vec<u8>) {
    match (kind, value) {
        (Kind::Message(_), Value::Message(message)) => {
            let mut body = Vec::new();
            encode_into(message, unknown, &mut body);
            encode_key(number, WireType::LengthDelimited, out);
            encode_varint(body.len() as u64, out);
            out.put_slice(&body);
        }
        (Kind::String, Value::String(s)) => {
            encode_key(number, WireType::LengthDelimited, out);
            encode_varint(s.len() as u64, out);
            out.put_slice(s.as_bytes());
        }
        (Kind::Bytes, Value::Bytes(b)) => {
            encode_key(number, WireType::LengthDelimited, out);
            encode_varint(b.len() as u64, out);
            out.put_slice(b);
        }
        _ => {
            encode_key(number, wire_type(kind), out);
            encode_scalar_body(kind, value, out);
        }
    }
}

fn wire_type(kind: &Kind) -> WireType {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => WireType::SixtyFourBit,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => WireType::ThirtyTwoBit,
        Kind::String | Kind::Bytes | Kind::Message(_) => WireType::LengthDelimited,
        _ => WireType::Varint,
    }
}

/// The value of a numeric scalar without its key, as it appears in a packed run.
fn encode_scalar_body(kind: &Kind, value: &Value, out: &mut Vec<u8>) {
    match (kind, value) {
        (Kind::Double, Value::F64(v)) => out.put_f64_le(*v),
        (Kind::Float, Value::F32(v)) => out.put_f32_le(*v),
        (Kind::Int32, Value::I32(v)) => encode_varint(*v as i64 as u64, out),
        (Kind::Int64, Value::I64(v)) => encode_varint(*v as u64, out),
        (Kind::Uint32, Value::U32(v)) => encode_varint(u64::from(*v), out),
        (Kind::Uint64, Value::U64(v)) => encode_varint(*v, out),
        (Kind::Sint32, Value::I32(v)) => {
            encode_varint(u64::from(((v << 1) ^ (v >> 31)) as u32), out)
        }
        (Kind::Sint64, Value::I64(v)) => encode_varint(((v << 1) ^ (v >> 63)) as u64, out),
        (Kind::Fixed32, Value::U32(v)) => out.put_u32_le(*v),
        (Kind::Fixed64, Value::U64(v)) => out.put_u64_le(*v),
        (Kind::Sfixed32, Value::I32(v)) => out.put_i32_le(*v),
        (Kind::Sfixed64, Value::I64(v)) => out.put_i64_le(*v),
        (Kind::Bool, Value::Bool(v)) => encode_varint(u64::from(*v), out),
        (Kind::Enum(_), Value::EnumNumber(v)) => encode_varint(*v as i64 as u64, out),
        // A dynamic message only holds values of its fields' kinds; nothing else reaches here.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire_schema::descriptor_pool;

    fn from_json(ty: &str, json: &str) -> DynamicMessage {
        let desc = descriptor_pool().get_message_by_name(ty).unwrap();
        let mut de = serde_json::Deserializer::from_str(json);
        DynamicMessage::deserialize(desc, &mut de).unwrap()
    }

    #[test]
    fn maps_are_sorted_by_key_whatever_the_input_order() {
        let m = from_json(
            "eventwire.v1.AllTypesPB",
            r#"{"mInt32String":{"5":"e","-1":"m","2":"b"}}"#,
        );
        // Entries of field 31: key -1 (10-byte varint), then 2, then 5.
        let expected = hex::decode(concat!(
            "fa010e",
            "08ffffffffffffffffff01",
            "12016d",
            "fa0105",
            "0802",
            "120162",
            "fa0105",
            "0805",
            "120165",
        ))
        .unwrap();
        assert_eq!(
            hex::encode(encode(&m, Unknown::Keep)),
            hex::encode(expected)
        );
    }

    #[test]
    fn unknown_fields_follow_known_ones_or_are_dropped() {
        let desc = descriptor_pool()
            .get_message_by_name("eventwire.v1.NestedPB")
            .unwrap();
        // Unknown field 3 (varint 7) before known field 1 (varint 1).
        let m = DynamicMessage::decode(desc, &[0x18, 0x07, 0x08, 0x01][..]).unwrap();
        assert_eq!(encode(&m, Unknown::Keep), vec![0x08, 0x01, 0x18, 0x07]);
        assert_eq!(encode(&m, Unknown::Drop), vec![0x08, 0x01]);
    }

    #[test]
    fn explicit_presence_defaults_are_written_and_packed_runs_are_packed() {
        let m = from_json(
            "eventwire.v1.AllTypesPB",
            r#"{"pInt32":0,"rInt32Packed":[1,2],"rInt32Unpacked":[1,2]}"#,
        );
        assert_eq!(
            hex::encode(encode(&m, Unknown::Keep)),
            "a201020102a80101a80102900300"
        );
    }
}

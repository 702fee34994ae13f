//! The one flaw that needs more than a switch: encoding maps in the order the JSON lists them,
//! as an encoder backed by an insertion-ordered map would.

use std::fmt;

use eventwire_schema::testee_pb::case_result::Result as R;
use prost_reflect::{DynamicMessage, MessageDescriptor};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::{canonical, json};

/// A JSON value whose objects keep their key order.
enum Ordered {
    Object(Vec<(String, Ordered)>),
    Other,
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
                    entries.push((k, v));
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Ordered::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// Encodes `message` canonically except that each top-level map's entries follow the JSON order.
pub fn encode_maps_in_insertion_order(
    desc: &MessageDescriptor,
    text: &str,
    message: &DynamicMessage,
) -> R {
    let (Ok(Ordered::Object(top)), Ok(Value::Object(values))) = (
        serde_json::from_str::<Ordered>(text),
        serde_json::from_str::<Value>(text),
    ) else {
        return R::Data(canonical::encode(message, canonical::Unknown::Keep));
    };
    let mut fields: Vec<_> = desc.fields().collect();
    fields.sort_by_key(|f| f.number());
    let mut out = Vec::new();
    for field in fields {
        let key = [field.json_name(), field.name()]
            .into_iter()
            .find(|k| values.contains_key(*k));
        let Some(key) = key else { continue };
        let order = top.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        match (field.is_map(), order, &values[key]) {
            (true, Some(Ordered::Object(entries)), Value::Object(map)) => {
                for (entry_key, _) in entries {
                    let single = serde_json::json!({ key: { entry_key.as_str(): map[entry_key] } });
                    if let Ok(m) = json::from_value(desc, &single) {
                        out.extend(canonical::encode(&m, canonical::Unknown::Keep));
                    }
                }
            }
            _ => {
                let single = serde_json::json!({ key: values[key] });
                if let Ok(m) = json::from_value(desc, &single) {
                    out.extend(canonical::encode(&m, canonical::Unknown::Keep));
                }
            }
        }
    }
    R::Data(out)
}

/// Decodes `data` as a runtime that reads a known field with the wrong wire type as an unknown
/// field would: such top-level records are skipped (REQ-ENC-12 allows this in a binding).
pub fn decode_skipping_wrong_wire_types(
    desc: &MessageDescriptor,
    data: &[u8],
) -> Result<DynamicMessage, String> {
    use prost_reflect::Kind;
    fn varint(data: &[u8], at: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = *data.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }
    let strict = || DynamicMessage::decode(desc.clone(), data).map_err(|e| e.to_string());
    let mut kept = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let start = at;
        let Some(tag) = varint(data, &mut at) else {
            return strict();
        };
        let wire = (tag & 7) as u8;
        let end = match wire {
            0 => varint(data, &mut at).map(|_| at),
            1 => Some(at + 8),
            2 => varint(data, &mut at).and_then(|n| at.checked_add(usize::try_from(n).ok()?)),
            5 => Some(at + 4),
            _ => None,
        };
        let Some(end) = end.filter(|e| *e <= data.len()) else {
            return strict();
        };
        at = end;
        let expected = desc
            .get_field(u32::try_from(tag >> 3).unwrap_or(0))
            .map(|f| {
                let natural = match f.kind() {
                    Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => 1,
                    Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => 5,
                    Kind::String | Kind::Bytes | Kind::Message(_) => 2,
                    _ => 0,
                };
                (natural, f.is_list() && natural != 2)
            });
        match expected {
            Some((natural, packable)) if wire != natural && !(packable && wire == 2) => {}
            _ => kept.extend_from_slice(&data[start..end]),
        }
    }
    DynamicMessage::decode(desc.clone(), kept.as_slice()).map_err(|e| e.to_string())
}

/// Applies a numeric flaw to every value of `message`, at any depth, map keys included.
pub fn mangle_numbers(message: &mut DynamicMessage, flaw: &super::Flaw) {
    use super::Flaw as F;
    use prost_reflect::{MapKey, Value as V};
    if !matches!(
        flaw,
        F::Int64ViaDouble | F::NegativeZeroAsZero | F::NanAsZero | F::InfinityAsZero
    ) {
        return;
    }
    let int = *flaw == F::Int64ViaDouble;
    let float = |x: f64| match flaw {
        F::NegativeZeroAsZero if x == 0.0 => 0.0,
        F::NanAsZero if x.is_nan() => 0.0,
        F::InfinityAsZero if x.is_infinite() => 0.0,
        _ => x,
    };
    fn walk(v: &mut V, int: bool, float: &dyn Fn(f64) -> f64, flaw: &super::Flaw) {
        match v {
            V::I64(x) if int => *x = (*x as f64) as i64,
            V::U64(x) if int => *x = (*x as f64) as u64,
            V::F64(x) => *x = float(*x),
            V::F32(x) => *x = float(f64::from(*x)) as f32,
            V::List(items) => items.iter_mut().for_each(|i| walk(i, int, float, flaw)),
            V::Map(map) => {
                for (k, mut item) in std::mem::take(map) {
                    walk(&mut item, int, float, flaw);
                    let k = match k {
                        MapKey::I64(x) if int => MapKey::I64((x as f64) as i64),
                        MapKey::U64(x) if int => MapKey::U64((x as f64) as u64),
                        k => k,
                    };
                    map.insert(k, item);
                }
            }
            V::Message(m) => mangle_numbers(m, flaw),
            _ => {}
        }
    }
    for (_, v) in message.fields_mut() {
        walk(v, int, &float, flaw);
    }
}

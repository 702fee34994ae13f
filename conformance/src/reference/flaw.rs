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
pub fn encode_maps_in_insertion_order(desc: &MessageDescriptor, text: &str, message: &DynamicMessage) -> R {
    let (Ok(Ordered::Object(top)), Ok(Value::Object(values))) =
        (serde_json::from_str::<Ordered>(text), serde_json::from_str::<Value>(text))
    else {
        return R::Data(canonical::encode(message, canonical::Unknown::Keep));
    };
    let mut fields: Vec<_> = desc.fields().collect();
    fields.sort_by_key(|f| f.number());
    let mut out = Vec::new();
    for field in fields {
        let key = [field.json_name(), field.name()].into_iter().find(|k| values.contains_key(*k));
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

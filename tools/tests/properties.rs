//! Properties over every message of the schema, driven by the descriptors: arbitrary values
//! encode identically with the prost types and with prost-reflect and survive a round trip, and
//! arbitrary bytes decoded as any message give a message or an error, never a panic.

use std::collections::HashMap;

use eventwire_schema::descriptor_pool;
use eventwire_tools::vectors::{codec, hex, typed, wire};
use proptest::prelude::*;
use prost::Message;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, Value,
};

const MAX_DEPTH: usize = 3;

fn finite_f64() -> impl Strategy<Value = f64> {
    // NaN and -0.0 are outside byte comparisons (SPEC.md REQ-ENC-6).
    any::<f64>()
        .prop_filter("finite", |f| f.is_finite())
        .prop_map(|f| if f == 0.0 { 0.0 } else { f })
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>()
        .prop_filter("finite", |f| f.is_finite())
        .prop_map(|f| if f == 0.0 { 0.0 } else { f })
}

fn scalar(kind: &Kind, depth: usize) -> BoxedStrategy<Value> {
    match kind {
        Kind::Double => finite_f64().prop_map(Value::F64).boxed(),
        Kind::Float => finite_f32().prop_map(Value::F32).boxed(),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => any::<i32>().prop_map(Value::I32).boxed(),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => any::<i64>().prop_map(Value::I64).boxed(),
        Kind::Uint32 | Kind::Fixed32 => any::<u32>().prop_map(Value::U32).boxed(),
        Kind::Uint64 | Kind::Fixed64 => any::<u64>().prop_map(Value::U64).boxed(),
        Kind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::String => any::<String>().prop_map(Value::String).boxed(),
        Kind::Bytes => proptest::collection::vec(any::<u8>(), 0..8)
            .prop_map(|b| Value::Bytes(b.into()))
            .boxed(),
        Kind::Enum(e) => {
            let declared: Vec<i32> = e.values().map(|v| v.number()).collect();
            // Declared values and undeclared ones (proto3 enums are open).
            prop_oneof![proptest::sample::select(declared), -3i32..300]
                .prop_map(Value::EnumNumber)
                .boxed()
        }
        Kind::Message(m) => message(m.clone(), depth + 1)
            .prop_map(Value::Message)
            .boxed(),
    }
}

fn map_key(kind: &Kind) -> BoxedStrategy<MapKey> {
    match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => any::<i32>().prop_map(MapKey::I32).boxed(),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => any::<i64>().prop_map(MapKey::I64).boxed(),
        Kind::Uint32 | Kind::Fixed32 => any::<u32>().prop_map(MapKey::U32).boxed(),
        Kind::Uint64 | Kind::Fixed64 => any::<u64>().prop_map(MapKey::U64).boxed(),
        Kind::Bool => any::<bool>().prop_map(MapKey::Bool).boxed(),
        _ => any::<String>().prop_map(MapKey::String).boxed(),
    }
}

fn field(f: &FieldDescriptor, depth: usize) -> BoxedStrategy<Option<Value>> {
    let kind = f.kind();
    if depth >= MAX_DEPTH && matches!(kind, Kind::Message(_)) && !f.is_map() {
        return Just(None).boxed();
    }
    let value = if f.is_map() {
        let Kind::Message(entry) = &kind else {
            unreachable!("a map field is a message field")
        };
        let key = map_key(&entry.map_entry_key_field().kind());
        let value = scalar(
            &entry.map_entry_value_field().kind(),
            depth.max(MAX_DEPTH - 1),
        );
        proptest::collection::vec((key, value), 0..4)
            .prop_map(|kv| Value::Map(kv.into_iter().collect::<HashMap<_, _>>()))
            .boxed()
    } else if f.is_list() {
        proptest::collection::vec(scalar(&kind, depth), 0..4)
            .prop_map(Value::List)
            .boxed()
    } else {
        scalar(&kind, depth)
    };
    proptest::option::weighted(0.5, value).boxed()
}

fn message(desc: MessageDescriptor, depth: usize) -> BoxedStrategy<DynamicMessage> {
    let fields: Vec<FieldDescriptor> = desc.fields().collect();
    let strategies: Vec<BoxedStrategy<Option<Value>>> =
        fields.iter().map(|f| field(f, depth)).collect();
    strategies
        .prop_map(move |values| {
            let mut m = DynamicMessage::new(desc.clone());
            for (f, v) in fields.iter().zip(values) {
                if let Some(v) = v {
                    // Setting a oneof member clears the others: at most one arm stays set.
                    m.set_field(f, v);
                }
            }
            m
        })
        .boxed()
}

fn typed_descriptors() -> Vec<MessageDescriptor> {
    typed::TYPED_MESSAGES
        .iter()
        .map(|n| {
            descriptor_pool()
                .get_message_by_name(n)
                .expect("typed message is in the pool")
        })
        .collect()
}

#[test]
fn every_message_of_the_package_has_a_prost_type_in_the_registry() {
    let in_pool: Vec<String> = descriptor_pool()
        .all_messages()
        .filter(|m| m.package_name() == "eventwire.v1" && !m.is_map_entry())
        .map(|m| m.full_name().to_owned())
        .collect();
    for name in &in_pool {
        assert!(
            typed::TYPED_MESSAGES.contains(&name.as_str()),
            "{name} is missing from vectors::typed"
        );
    }
    assert_eq!(in_pool.len(), typed::TYPED_MESSAGES.len());
}

fn one_of_typed() -> impl Strategy<Value = DynamicMessage> {
    proptest::sample::select(typed_descriptors()).prop_flat_map(|d| message(d, 1))
}

/// Whether the value has a map where encoders may legitimately differ in bytes: several entries
/// (prost-reflect writes them in hash order) or a key or value at its default (REQ-ENC-4(c)).
fn map_latitude(m: &DynamicMessage) -> bool {
    m.fields().any(|(f, v)| match v {
        Value::Map(map) => {
            let Kind::Message(entry) = f.kind() else {
                return true;
            };
            let value_kind = entry.map_entry_value_field().kind();
            map.len() > 1
                || map.iter().any(|(k, v)| {
                    let default_key = matches!(k, MapKey::String(s) if s.is_empty())
                        || matches!(
                            k,
                            MapKey::Bool(false)
                                | MapKey::I32(0)
                                | MapKey::I64(0)
                                | MapKey::U32(0)
                                | MapKey::U64(0)
                        );
                    default_key
                        || v.is_default(&value_kind)
                        || matches!(v, Value::Message(m) if map_latitude(m))
                })
        }
        Value::Message(m) => map_latitude(m),
        Value::List(l) => l
            .iter()
            .any(|v| matches!(v, Value::Message(m) if map_latitude(m))),
        _ => false,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// prost-reflect's bytes, decoded and re-encoded by the prost type, then decoded again by
    /// prost-reflect: the same value, and (outside the map latitude of REQ-ENC-4) the same bytes
    /// from both encoders.
    #[test]
    fn prost_and_prost_reflect_agree(m in one_of_typed()) {
        let name = m.descriptor().full_name().to_owned();
        let dynamic_bytes = m.encode_to_vec();
        let canonical = codec::canonicalize(&name, &dynamic_bytes).expect("prost decodes prost-reflect's bytes");
        let again = DynamicMessage::decode(m.descriptor(), canonical.as_slice()).expect("prost-reflect decodes prost's bytes");
        prop_assert_eq!(codec::to_json(&again), codec::to_json(&m));
        prop_assert_eq!(codec::canonicalize(&name, &canonical).unwrap(), canonical.clone(), "prost is idempotent");
        if !map_latitude(&again) {
            prop_assert_eq!(again.encode_to_vec(), canonical.clone(), "prost-reflect and prost encode {} differently", name);
        }
        // Canonical proto-JSON round-trips to the same bytes.
        prop_assert_eq!(codec::encode(&name, &codec::to_json(&again)).unwrap(), canonical);
    }

    /// Any bytes, as any message of the pool (the google.protobuf descriptor messages included):
    /// a message or an error, never a panic; prost agrees on which.
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        for d in descriptor_pool().all_messages() {
            let dynamic = DynamicMessage::decode(d.clone(), bytes.as_slice());
            if let Some(typed) = typed::reencode(d.full_name(), &bytes) {
                prop_assert_eq!(dynamic.is_ok(), typed.is_ok(), "prost and prost-reflect disagree on {} for {}", d.full_name(), hex::to_hex(&bytes));
            }
        }
        let _ = wire::parse(&bytes);
    }

    /// The same for bytes that are well-formed records, which get further into the decoders.
    #[test]
    fn decoding_arbitrary_records_never_panics(records in proptest::collection::vec((1u32..60, 0u8..4, any::<u64>(), proptest::collection::vec(any::<u8>(), 0..6)), 0..8)) {
        let records: Vec<wire::Record> = records.into_iter().map(|(field, wt, v, b)| {
            let value = match wt {
                0 => wire::WireValue::Varint(v),
                1 => wire::WireValue::I64(v.to_le_bytes()),
                2 => wire::WireValue::Len(b),
                _ => wire::WireValue::I32((v as u32).to_le_bytes()),
            };
            wire::Record { field, value, minimal: true }
        }).collect();
        let bytes = wire::write(&records);
        prop_assert_eq!(wire::parse(&bytes).unwrap(), records);
        for d in descriptor_pool().all_messages() {
            let dynamic = DynamicMessage::decode(d.clone(), bytes.as_slice());
            if let Some(typed) = typed::reencode(d.full_name(), &bytes) {
                prop_assert_eq!(dynamic.is_ok(), typed.is_ok(), "prost and prost-reflect disagree on {} for {}", d.full_name(), hex::to_hex(&bytes));
            }
        }
    }

    #[test]
    fn hex_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
        prop_assert_eq!(hex::from_hex(&hex::to_hex(&bytes)).unwrap(), bytes);
    }
}

//! Proto-JSON: parsing into dynamic messages, canonical printing, and comparison by value.
//!
//! Results are compared as parsed JSON values, never as text: key order and whitespace do not
//! matter, the set of keys does (a canonical printer omits fields at their default), and numbers
//! compare by value. A `float` field printed at double precision (`0.10000000149011612`) and at
//! single precision (`0.1`) denote the same value, so two numbers also match when they are equal
//! once rounded to `f32`.

use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor, SerializeOptions};
use serde_json::Value;

use eventwire_schema::{PACKAGE, descriptor_pool};

/// The message type `name`: a full name, or a name in package `eventwire.v1`.
pub fn message_type(name: &str) -> Option<MessageDescriptor> {
    let pool = descriptor_pool();
    pool.get_message_by_name(name)
        .or_else(|| pool.get_message_by_name(&format!("{PACKAGE}.{name}")))
}

/// Parses proto-JSON strictly (unknown keys are errors).
pub fn parse(desc: &MessageDescriptor, json: &str) -> Result<DynamicMessage, String> {
    let mut de = serde_json::Deserializer::from_str(json);
    let message =
        DynamicMessage::deserialize_with_options(desc.clone(), &mut de, &DeserializeOptions::new())
            .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(message)
}

/// Parses a proto-JSON value strictly.
pub fn from_value(desc: &MessageDescriptor, json: &Value) -> Result<DynamicMessage, String> {
    parse(desc, &json.to_string())
}

/// The canonical proto-JSON of a message: camelCase names, defaults omitted, 64-bit integers as
/// strings, enums by name.
pub fn to_value(message: &DynamicMessage) -> Value {
    message
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .unwrap_or_else(|e| Value::String(format!("<unprintable: {e}>")))
}

/// The canonical proto-JSON text of a message.
pub fn to_string(message: &DynamicMessage) -> String {
    to_value(message).to_string()
}

/// Normalises `json` of type `desc` to its canonical form, so that a case may be written with
/// numbers for 64-bit integers or with defaults spelled out.
pub fn canonical(desc: &MessageDescriptor, json: &Value) -> Result<Value, String> {
    from_value(desc, json).map(|m| to_value(&m))
}

/// Compares `actual` with `expected` by value; the error names the first difference by path.
pub fn compare(expected: &Value, actual: &Value) -> Result<(), String> {
    compare_at("$", expected, actual)
}

fn compare_at(path: &str, expected: &Value, actual: &Value) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys() {
                if !a.contains_key(key) {
                    return Err(format!("{path}.{key}: missing (expected {})", e[key]));
                }
            }
            for key in a.keys() {
                if !e.contains_key(key) {
                    return Err(format!(
                        "{path}.{key}: unexpected {} (a canonical printer omits defaults)",
                        a[key]
                    ));
                }
            }
            for (key, ev) in e {
                compare_at(&format!("{path}.{key}"), ev, &a[key])?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} elements, got {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare_at(&format!("{path}[{i}]"), ev, av)?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if numbers_equal(e, a) => Ok(()),
        (Value::Number(_), Value::Number(_)) => {
            Err(format!("{path}: expected {expected}, got {actual}"))
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

fn numbers_equal(e: &serde_json::Number, a: &serde_json::Number) -> bool {
    if let (Some(e), Some(a)) = (e.as_i64(), a.as_i64()) {
        return e == a;
    }
    if let (Some(e), Some(a)) = (e.as_u64(), a.as_u64()) {
        return e == a;
    }
    match (e.as_f64(), a.as_f64()) {
        // -0 and 0 are different values (a binding that loses the sign is wrong), though equal
        // as numbers.
        (Some(e), Some(a)) if e == 0.0 && a == 0.0 => e.is_sign_negative() == a.is_sign_negative(),
        (Some(e), Some(a)) => e == a || (e as f32) == (a as f32),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_compare_by_keys_and_values_not_order() {
        assert!(compare(&json!({"a": 1, "b": "x"}), &json!({"b": "x", "a": 1})).is_ok());
        assert!(
            compare(&json!({"a": 1}), &json!({"a": 1, "b": 0}))
                .unwrap_err()
                .contains("$.b")
        );
        assert!(
            compare(&json!({"a": [1, 2]}), &json!({"a": [2, 1]}))
                .unwrap_err()
                .contains("$.a[0]")
        );
        assert!(compare(&json!({"a": "1"}), &json!({"a": 1})).is_err());
    }

    #[test]
    fn numbers_compare_by_value_with_single_precision_floats() {
        assert!(compare(&json!(1.5), &json!(1.5)).is_ok());
        assert!(compare(&json!(0.1), &json!(0.10000000149011612)).is_ok());
        assert!(compare(&json!(0.1), &json!(0.2)).is_err());
        assert!(compare(&json!(1), &json!(2)).is_err());
        assert!(compare(&json!(-0.0), &json!(0.0)).is_err());
        assert!(compare(&json!(-0.0), &serde_json::from_str::<Value>("-0").unwrap()).is_ok());
        assert!(compare(&json!(0), &json!(0.0)).is_ok());
    }

    #[test]
    fn canonical_form_stringifies_64_bit_integers_and_drops_defaults() {
        let desc = message_type("UserProfilePB").unwrap();
        let v = canonical(&desc, &json!({"id": 7, "email": "", "name": "n"})).unwrap();
        assert_eq!(v, json!({"id": "7", "name": "n"}));
        assert!(canonical(&desc, &json!({"nope": 1})).is_err());
    }
}

//! The protocol's naming rules (SPEC.md section 3, REQ-MSG-6 and REQ-MSG-7), in one place: the
//! event-table loader, the runtime's capability patterns (section 12) and `events.schema.json`
//! all follow these. A test in `tests/schema_constraints.rs` checks that the JSON Schema's
//! patterns accept and refuse the same names as these functions.

/// `^[a-z][a-z0-9_]{0,31}$`: a module name (and a notification's `source`).
pub fn is_module_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=32).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// `^[A-Z][A-Za-z0-9]{0,63}$`: an event or notification name.
pub fn is_event_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=64).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter().all(u8::is_ascii_alphanumeric)
}

/// `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`: a table's protobuf `package`, dot-separated parts
/// each as a module name but of any length.
pub fn is_package_name(s: &str) -> bool {
    s.split('.').all(|part| {
        let b = part.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
    })
}

/// [`is_module_name`] in words, for error messages.
pub const MODULE_NAME_RULE: &str =
    "lower snake case ASCII, starting with a-z, at most 32 characters";

/// [`is_event_name`] in words, for error messages.
pub const EVENT_NAME_RULE: &str =
    "UpperCamelCase ASCII letters and digits, starting with A-Z, at most 64 characters";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_of_each_rule() {
        assert!(is_module_name(&"m".repeat(32)));
        assert!(!is_module_name(&"m".repeat(33)));
        assert!(!is_module_name(""));
        assert!(is_event_name(&format!("E{}", "v".repeat(63))));
        assert!(!is_event_name(&format!("E{}", "v".repeat(64))));
        assert!(!is_event_name(""));
        assert!(is_package_name(&"p".repeat(200)));
        assert!(!is_package_name(""));
        assert!(!is_package_name("a..b"));
        assert!(!is_package_name("a."));
    }
}

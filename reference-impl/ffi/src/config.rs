//! The configuration JSON of `eventwire_init` (SPEC.md section 13.2, "Configuration").
//!
//! Parsing is [`eventwire::Config::from_json`]'s; this module adds the rules of the C ABI that it
//! does not check itself: the bytes must be a JSON object, every limit must be positive, capability
//! patterns must follow the protocol's grammar, and a well-formed pattern naming no known module
//! or event is accepted and matches nothing (REQ-CAP-2) instead of failing the build.

use eventwire::{Capabilities, Config};

/// Configuration that `eventwire_init` refuses with `EVENTWIRE_ERR_INVALID_CONFIG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidConfig(pub(crate) String);

/// Parses configuration bytes; empty bytes mean the defaults.
pub(crate) fn parse(bytes: &[u8]) -> Result<Config, InvalidConfig> {
    if bytes.is_empty() {
        return Ok(Config::default());
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| InvalidConfig(format!("not UTF-8 JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(InvalidConfig("configuration must be a JSON object".into()));
    };
    if let Some(patterns) = object.get("capabilities").and_then(|v| v.as_array()) {
        for pattern in patterns.iter().filter_map(|p| p.as_str()) {
            if !well_formed(pattern) {
                return Err(InvalidConfig(format!(
                    "capabilities: `{pattern}` is not `*`, `module.*` or `module.Event`"
                )));
            }
        }
    }
    let mut config = Config::from_json(bytes).map_err(|e| InvalidConfig(e.to_string()))?;
    if config.max_payload_bytes == 0 {
        return Err(InvalidConfig("max_payload_bytes: must be at least 1".into()));
    }
    if config.notification_queue == 0 {
        return Err(InvalidConfig("notification_queue: must be at least 1".into()));
    }
    config.capabilities = known_only(&config.capabilities);
    Ok(config)
}

/// The grammar of SPEC.md section 12: `*`, `module.*` or `module.Event`, with
/// `module = [a-z][a-z0-9_]{0,31}` and `Event = [A-Z][A-Za-z0-9]{0,63}`.
fn well_formed(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((module, event)) = pattern.split_once('.') else { return false };
    let module_ok = module.len() <= 32
        && module.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && module.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let event_ok = event == "*"
        || (event.len() <= 64
            && event.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
            && event.bytes().all(|b| b.is_ascii_alphanumeric()));
    module_ok && event_ok
}

/// Drops the patterns that name no declared module or event: they match nothing, so the set
/// allows the same events without them, and the dispatcher does not refuse to start.
fn known_only(capabilities: &Capabilities) -> Capabilities {
    let tables = eventwire_schema::tables();
    let (known, unknown): (Vec<String>, Vec<String>) =
        capabilities.patterns().into_iter().partition(|p| match p.split_once('.') {
            None => true,
            Some((module, "*")) => tables.module(module).is_some(),
            Some((module, event)) => tables.event(event).is_some_and(|e| e.module == module),
        });
    for pattern in &unknown {
        eprintln!("eventwire: capability pattern `{pattern}` names no known module or event; it matches nothing");
    }
    Capabilities::from_patterns(known).unwrap_or_else(|_| Capabilities::none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bytes_are_the_defaults() {
        assert_eq!(parse(b""), Ok(Config::default()));
    }

    #[test]
    fn refuses_what_the_abi_refuses() {
        for bad in [
            &b"   "[..],
            b"[]",
            b"null",
            b"{\"max_in_flight\":0}",
            b"{\"max_payload_bytes\":0}",
            b"{\"notification_queue\":0}",
            b"{\"default_timeout_ms\":-1}",
            b"{\"max_in_flight\":1.5}",
            b"{\"max_in_flight\":\"3\"}",
            b"{\"no_such_key\":1}",
            b"{\"capabilities\":[\"User.*\"]}",
            b"{\"capabilities\":[\"user.signIn\"]}",
            b"{\"capabilities\":[\"user\"]}",
            b"{\"capabilities\":\"user.*\"}",
            b"\xff\xfe",
        ] {
            assert!(parse(bad).is_err(), "accepted {:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn unknown_but_well_formed_patterns_match_nothing() {
        let config = parse(br#"{"capabilities":["nosuch.*","user.NoSuchEvent","document.GetDocument"]}"#).unwrap();
        assert_eq!(config.capabilities.patterns(), vec!["document.GetDocument".to_owned()]);
        let config = parse(br#"{"capabilities":["nosuch.*"]}"#).unwrap();
        assert!(!config.capabilities.allows("user", "SignIn"));
    }
}

//! The configuration JSON of `eventwire_init` (SPEC.md section 13.2, "Configuration").
//!
//! Parsing and validation are [`eventwire::Config::from_json`]'s (an object, known keys, typed
//! values, positive limits, the pattern grammar of section 12). This module adds only what the C
//! ABI says differently:
//! - only `config_len` 0 means the defaults (REQ-TRANS-CABI-3); `from_json` also reads
//!   whitespace-only input as the defaults, which for the ABI is not JSON;
//! - a well-formed capability pattern naming no declared module or event is accepted and matches
//!   nothing (REQ-CAP-2), where the dispatcher's builder would refuse to start.

use eventwire::{Capabilities, Config};

/// Configuration that `eventwire_init` refuses with `EVENTWIRE_ERR_INVALID_CONFIG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidConfig(pub(crate) String);

/// Parses configuration bytes; empty bytes mean the defaults.
pub(crate) fn parse(bytes: &[u8]) -> Result<Config, InvalidConfig> {
    if bytes.is_empty() {
        return Ok(Config::default());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InvalidConfig("not UTF-8 JSON: only whitespace".into()));
    }
    let mut config = Config::from_json(bytes).map_err(|e| InvalidConfig(e.to_string()))?;
    config.capabilities = known_only(&config.capabilities);
    Ok(config)
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
    fn only_zero_bytes_are_the_defaults() {
        // `Config::from_json` takes these as the defaults; the C ABI does not.
        for blank in [&b" "[..], b"\n", b"\t\r\n ", b"    "] {
            assert!(parse(blank).is_err(), "accepted {blank:?}");
        }
    }

    #[test]
    fn refusals_of_the_shared_parser_come_through() {
        for bad in [&b"[]"[..], b"{\"max_in_flight\":0}", b"{\"capabilities\":[\"User.*\"]}", b"\xff\xfe"] {
            assert!(parse(bad).is_err(), "accepted {:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse(b" {\"max_in_flight\": 3} ").map(|c| c.max_in_flight), Ok(3));
    }

    #[test]
    fn unknown_but_well_formed_patterns_match_nothing() {
        let config = parse(br#"{"capabilities":["nosuch.*","user.NoSuchEvent","document.GetDocument"]}"#).unwrap();
        assert_eq!(config.capabilities.patterns(), vec!["document.GetDocument".to_owned()]);
        let config = parse(br#"{"capabilities":["nosuch.*"]}"#).unwrap();
        assert!(!config.capabilities.allows("user", "SignIn"));
    }
}

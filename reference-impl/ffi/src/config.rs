//! The configuration JSON of `eventwire_init` (SPEC.md section 13.2, "Configuration").
//!
//! Parsing and validation are [`eventwire::Config::from_json`]'s (zero bytes are the defaults; an
//! object, known keys, typed values, positive limits, the pattern grammar of section 12). Once the
//! dispatcher is built, the library warns about capability patterns that name no module or event
//! of it: they are valid and match nothing (REQ-CAP-2), but are often typos.

use eventwire::Config;

/// Configuration that `eventwire_init` refuses with `EVENTWIRE_ERR_INVALID_CONFIG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidConfig(pub(crate) String);

/// Parses configuration bytes; empty bytes mean the defaults.
pub(crate) fn parse(bytes: &[u8]) -> Result<Config, InvalidConfig> {
    Config::from_json(bytes).map_err(|e| InvalidConfig(e.to_string()))
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
        for blank in [&b" "[..], b"\n", b"\t\r\n ", b"    "] {
            assert!(parse(blank).is_err(), "accepted {blank:?}");
        }
    }

    #[test]
    fn refusals_of_the_shared_parser_come_through() {
        for bad in [
            &b"[]"[..],
            b"{\"max_in_flight\":0}",
            b"{\"capabilities\":[\"User.*\"]}",
            b"\xff\xfe",
        ] {
            assert!(
                parse(bad).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse(b" {\"max_in_flight\": 3} ").map(|c| c.max_in_flight),
            Ok(3)
        );
    }

    #[test]
    fn unknown_but_well_formed_patterns_match_nothing() {
        let config =
            parse(br#"{"capabilities":["nosuch.*","user.NoSuchEvent","document.GetDocument"]}"#)
                .unwrap();
        assert!(config.capabilities.allows("document", "GetDocument"));
        assert!(!config.capabilities.allows("user", "SignIn"));
        let config = parse(br#"{"capabilities":["nosuch.*"]}"#).unwrap();
        assert!(!config.capabilities.allows("user", "SignIn"));
    }
}

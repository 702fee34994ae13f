//! The configuration JSON of `--config FILE`: the same document as the C ABI's `eventwire_init`
//! (SPEC.md section 13.2, "Configuration").
//!
//! Parsing and validation are [`eventwire::Config::from_json`]'s. Once the dispatcher is built,
//! [`unknown_patterns`] lists capability patterns that name no module or event of it: they are
//! valid and match nothing (REQ-CAP-2), but are often typos, so the host warns about them.

use eventwire::{Config, Dispatcher};

use crate::ServeOptions;

/// Configuration the host refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidConfig(pub String);

/// Parses configuration bytes; empty bytes mean the defaults.
pub fn parse(bytes: &[u8]) -> Result<Config, InvalidConfig> {
    Config::from_json(bytes).map_err(|e| InvalidConfig(e.to_string()))
}

/// The capability patterns, of the dispatcher's configuration and of the connection's options,
/// that name no module or event of `dispatcher`.
pub fn unknown_patterns(dispatcher: &Dispatcher, options: &ServeOptions) -> Vec<String> {
    let mut patterns = dispatcher
        .config()
        .capabilities
        .unknown_patterns(dispatcher);
    if let Some(capabilities) = &options.capabilities {
        patterns.extend(capabilities.unknown_patterns(dispatcher));
    }
    patterns
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
            b"{\"notification_queue_bytes\":0}",
            b"{\"max_queued_answer_bytes\":0}",
            b"{\"max_timeout_ms\":0}",
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
            assert!(
                parse(bad).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(bad)
            );
        }
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

//! The dispatcher's limits and the capability sets that decide which events a caller may send.
//!
//! [`Config`] deserialises from the JSON the C ABI and the stdio host accept, so every transport
//! configures the dispatcher the same way.

use std::{collections::BTreeMap, fmt, time::Duration};

use eventwire_schema::{is_event_name, is_module_name};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every limit of the dispatcher. The defaults are those of the protocol (SPEC.md, "Limits").
///
/// As JSON (every field optional):
/// `{"max_payload_bytes":16777216,"default_timeout_ms":30000,"max_in_flight":1024,
/// "max_nesting_depth":64,"notification_queue":4096,"notification_queue_bytes":67108864,
/// "max_queued_answer_bytes":67108864,"max_timeout_ms":3600000,"event_timeouts_ms":{"Sleep":100},
/// "capabilities":["user.*","document.GetDocument"]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// A request whose payload is longer is answered `PAYLOAD_TOO_LARGE` without decoding it.
    pub max_payload_bytes: usize,
    /// The deepest message nesting a payload may have (top-level message = 1). At most 100, so
    /// that the decoder's own recursion limit is never what rejects a payload.
    pub max_nesting_depth: u32,
    /// Requests being handled at once; one more is answered `OVERLOADED` at once (no queue).
    pub max_in_flight: usize,
    /// The deadline of an event that neither the tables nor `event_timeouts_ms` give one.
    pub default_timeout_ms: u64,
    /// Per-event deadlines, overriding the tables' `timeout_ms`. Keys must be declared events.
    pub event_timeouts_ms: BTreeMap<String, u64>,
    /// Notifications waiting in one session's queue; beyond it they are dropped and counted.
    pub notification_queue: usize,
    /// Bytes of notifications (encoded `SubscribeObject`s) waiting in one session's queue; a
    /// notification that would take the queue past it is dropped and counted, as for
    /// `notification_queue` (SPEC.md section 9.5).
    pub notification_queue_bytes: usize,
    /// Bytes of answers (encoded responses, and a stream's faults) queued for one connection and
    /// not yet handed to the front end. At or above it a transport takes no new request: the
    /// stream host stops reading, the C ABI refuses the call with `EVENTWIRE_ERR_OVERLOADED`
    /// (SPEC.md section 10).
    pub max_queued_answer_bytes: usize,
    /// The longest deadline any request gets: a longer one, from the transport, the
    /// configuration or the tables, is cut to this (SPEC.md section 11.1).
    pub max_timeout_ms: u64,
    /// What callers may send unless a session or request says otherwise.
    pub capabilities: Capabilities,
}

/// The deepest nesting [`Config::max_nesting_depth`] may allow: prost refuses to decode deeper
/// than 100 levels, and the protocol wants the depth check, not the decoder, to answer.
pub const MAX_NESTING_DEPTH_LIMIT: u32 = 100;

/// The default of [`Config::notification_queue_bytes`] and [`Config::max_queued_answer_bytes`]:
/// 64 MiB, room for four answers or notifications of the largest default frame.
pub const DEFAULT_QUEUE_BYTES: usize = 64 * 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Config {
            max_payload_bytes: 16 * 1024 * 1024,
            max_nesting_depth: 64,
            max_in_flight: 1024,
            default_timeout_ms: 30_000,
            event_timeouts_ms: BTreeMap::new(),
            notification_queue: 4096,
            notification_queue_bytes: DEFAULT_QUEUE_BYTES,
            max_queued_answer_bytes: DEFAULT_QUEUE_BYTES,
            max_timeout_ms: 3_600_000,
            capabilities: Capabilities::all(),
        }
    }
}

impl Config {
    /// Parses and validates configuration JSON; empty input (zero bytes) means the defaults, and
    /// anything else must be a JSON object.
    pub fn from_json(bytes: &[u8]) -> Result<Config, ConfigError> {
        if bytes.is_empty() {
            return Ok(Config::default());
        }
        // serde would also read a struct from an array, by position; the format is an object.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ConfigError::Json(
                "configuration must be a JSON object".into(),
            ));
        }
        let config: Config =
            serde_json::from_slice(bytes).map_err(|e| ConfigError::Json(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the limits that do not depend on the event tables.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_payload_bytes == 0 {
            return Err(ConfigError::Limit {
                field: "max_payload_bytes",
                rule: "must be at least 1",
            });
        }
        if self.notification_queue == 0 {
            return Err(ConfigError::Limit {
                field: "notification_queue",
                rule: "must be at least 1",
            });
        }
        if self.notification_queue_bytes == 0 {
            return Err(ConfigError::Limit {
                field: "notification_queue_bytes",
                rule: "must be at least 1",
            });
        }
        if self.max_queued_answer_bytes == 0 {
            return Err(ConfigError::Limit {
                field: "max_queued_answer_bytes",
                rule: "must be at least 1",
            });
        }
        if self.max_timeout_ms == 0 {
            return Err(ConfigError::Limit {
                field: "max_timeout_ms",
                rule: "must be at least 1",
            });
        }
        if self.max_nesting_depth == 0 || self.max_nesting_depth > MAX_NESTING_DEPTH_LIMIT {
            return Err(ConfigError::Limit {
                field: "max_nesting_depth",
                rule: "must be between 1 and 100",
            });
        }
        if self.max_in_flight == 0 {
            return Err(ConfigError::Limit {
                field: "max_in_flight",
                rule: "must be at least 1",
            });
        }
        if self.default_timeout_ms == 0 {
            return Err(ConfigError::Limit {
                field: "default_timeout_ms",
                rule: "must be at least 1",
            });
        }
        if let Some((event, _)) = self.event_timeouts_ms.iter().find(|(_, ms)| **ms == 0) {
            return Err(ConfigError::EventTimeout {
                event: event.clone(),
            });
        }
        Ok(())
    }

    /// The default deadline as a duration.
    pub fn default_timeout(&self) -> Duration {
        Duration::from_millis(self.default_timeout_ms)
    }

    /// The longest deadline, as a duration.
    pub fn max_timeout(&self) -> Duration {
        Duration::from_millis(self.max_timeout_ms)
    }

    /// The largest frame a byte-stream transport accepts: a maximal payload plus room for the
    /// envelope and frame fields.
    pub fn max_frame_bytes(&self) -> usize {
        self.max_payload_bytes.saturating_add(64 * 1024)
    }
}

/// Configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid JSON for eventwire::Config: {0}")]
    Json(String),
    #[error("{field}: {rule}")]
    Limit {
        field: &'static str,
        rule: &'static str,
    },
    #[error("event_timeouts_ms.{event}: must be at least 1")]
    EventTimeout { event: String },
}

/// A set of events a caller may send, as patterns: `*` (every event), `module.*` (every event of
/// a module) or `module.Event` (one event), with the names of the protocol
/// ([`is_module_name`], [`is_event_name`]). A well-formed pattern that names nothing of the
/// dispatcher matches nothing (SPEC.md REQ-CAP-2); transports warn about it
/// ([`Dispatcher::capability_warnings`](crate::Dispatcher::capability_warnings)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    All,
    Module(String),
    Event { module: String, event: String },
}

impl Capabilities {
    /// Every event (`*`).
    pub fn all() -> Self {
        Capabilities {
            patterns: vec![Pattern::All],
        }
    }

    /// No event at all.
    pub fn none() -> Self {
        Capabilities {
            patterns: Vec::new(),
        }
    }

    /// Parses patterns; see the type's documentation for their form.
    pub fn from_patterns<I, S>(patterns: I) -> Result<Self, CapabilityError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns = patterns
            .into_iter()
            .map(|p| parse(p.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(Capabilities { patterns })
    }

    /// Whether the set includes `event` of `module`.
    pub fn allows(&self, module: &str, event: &str) -> bool {
        self.patterns.iter().any(|p| match p {
            Pattern::All => true,
            Pattern::Module(m) => m == module,
            Pattern::Event {
                module: m,
                event: e,
            } => m == module && e == event,
        })
    }

    /// The patterns, as written.
    pub fn patterns(&self) -> Vec<String> {
        self.patterns.iter().map(ToString::to_string).collect()
    }

    /// As [`unknown_patterns`](Self::unknown_patterns), given whether a module is declared and
    /// the module of a declared event.
    pub(crate) fn unknown_patterns_in<'a>(
        &self,
        declares_module: impl Fn(&str) -> bool,
        event_module: impl Fn(&str) -> Option<&'a str>,
    ) -> Vec<String> {
        self.patterns
            .iter()
            .filter(|p| match p {
                Pattern::All => false,
                Pattern::Module(m) => !declares_module(m),
                Pattern::Event { module, event } => event_module(event).is_none_or(|m| m != module),
            })
            .map(ToString::to_string)
            .collect()
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::All => f.write_str("*"),
            Pattern::Module(m) => write!(f, "{m}.*"),
            Pattern::Event { module, event } => write!(f, "{module}.{event}"),
        }
    }
}

fn parse(p: &str) -> Result<Pattern, CapabilityError> {
    let bad = || CapabilityError {
        pattern: p.to_owned(),
    };
    if p == "*" {
        return Ok(Pattern::All);
    }
    let (module, rest) = p.split_once('.').ok_or_else(bad)?;
    if !is_module_name(module) {
        return Err(bad());
    }
    match rest {
        "*" => Ok(Pattern::Module(module.to_owned())),
        event if is_event_name(event) => Ok(Pattern::Event {
            module: module.to_owned(),
            event: event.to_owned(),
        }),
        _ => Err(bad()),
    }
}

/// A capability pattern that is not `*`, `module.*` or `module.Event`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capability pattern `{pattern}` is not `*`, `module.*` or `module.Event`")]
pub struct CapabilityError {
    pub pattern: String,
}

impl Serialize for Capabilities {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.patterns().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Capabilities {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let patterns = Vec::<String>::deserialize(d)?;
        Capabilities::from_patterns(patterns).map_err(serde::de::Error::custom)
    }
}

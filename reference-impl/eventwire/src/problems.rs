//! Why a dispatcher could not be built.

use std::fmt;

use crate::config::ConfigError;

/// Why a dispatcher could not be built: every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BuildError {
    pub problems: Vec<BuildProblem>,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// One reason a dispatcher could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildProblem {
    #[error(
        "event `{event}` (declared in {declared}) has no handler: every event of the dispatcher's schemas needs exactly one"
    )]
    MissingHandler { event: String, declared: String },
    #[error("event `{event}` has {count} handlers (every event of the tables needs exactly one)")]
    DuplicateHandler { event: String, count: usize },
    #[error(
        "a handler is registered for `{event}`, which none of the dispatcher's schemas declares (add its schema with `DispatcherBuilder::schema`, or declare it in a table)"
    )]
    UndeclaredEvent { event: String },
    #[error(
        "event `{event}` is declared twice: in {first} and in {second} (event names route requests and must be unique across every schema of a dispatcher)"
    )]
    DuplicateEvent {
        event: String,
        first: String,
        second: String,
    },
    #[error("event id {id} is used twice: by {first} and by {second}")]
    DuplicateEventId {
        id: u32,
        first: String,
        second: String,
    },
    #[error("module `{module}` is declared twice: in {first} and in {second}")]
    DuplicateModule {
        module: String,
        first: String,
        second: String,
    },
    #[error(
        "notification (source `{source_name}`, ty {ty}) is declared twice: {first} and {second}"
    )]
    DuplicateNotification {
        source_name: String,
        ty: i32,
        first: String,
        second: String,
    },
    #[error("error code {number} is declared twice with different meanings: {first} and {second}")]
    DuplicateErrorCode {
        number: i32,
        first: String,
        second: String,
    },
    #[error("no schema: add the application's with `DispatcherBuilder::schema` or `mount`")]
    NoSchema,
    #[error("invalid configuration: {0}")]
    Config(ConfigError),
    #[error("event_timeouts_ms names `{event}`, which none of the dispatcher's schemas declares")]
    UnknownTimeoutEvent { event: String },
    #[error("no tokio runtime: call build() inside one or pass DispatcherBuilder::runtime")]
    NoRuntime,
}

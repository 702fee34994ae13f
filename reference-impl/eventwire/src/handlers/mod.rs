//! The reference backend's handlers: the sample application and the conformance module. They
//! are ordinary plugins, written against the generated traits of [`plugins`](crate::plugins).

pub mod conformance;
pub mod document;
pub mod user;

use eventwire_schema::pb::{ErrorCode, FlowyError};

/// An error whose message names the field first, as the protocol asks: `field: problem`.
pub(crate) fn field_error(
    code: ErrorCode,
    field: &str,
    problem: impl std::fmt::Display,
) -> FlowyError {
    FlowyError::new(code, format!("{field}: {problem}"))
}

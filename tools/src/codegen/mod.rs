//! Front-end code generation from the one shared [`model::Model`].

pub mod dart;
pub mod model;
pub mod ts;

/// One generated file: its path relative to the repository root and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

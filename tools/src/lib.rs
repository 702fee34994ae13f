//! The tools behind `eventwire-tools`: everything derived from `schema/` that is checked in.
//!
//! - [`codegen`]: TypeScript and Dart bindings, from one shared model of the event tables.

pub mod codegen;

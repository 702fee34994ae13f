//! The tools behind `eventwire-tools`: everything derived from `schema/` that is checked in.
//!
//! - [`breaking`]: the breaking-change checker (`schema breaking`) and the schema lock.
//! - [`codegen`]: TypeScript and Dart bindings, from one shared model of the event tables.
//! - [`vectors`]: golden byte vectors: the catalogue, generation and drift checks.
//! - [`lint`]: table rules and proto style rules over the descriptors.
//! - [`docs`]: the Markdown event reference, `docs/events.md`.

pub mod breaking;
pub mod codegen;
pub mod docs;
pub mod lint;
pub mod vectors;

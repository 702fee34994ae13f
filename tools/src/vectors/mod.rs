//! Golden byte vectors: plain data in `vectors/`, derived from a hand-written catalogue.
//!
//! - [`format`](mod@format): the file format as types (the JSON Schema is `vectors/vectors.schema.json`).
//! - [`hex`]: the one spelling of bytes in the files.
//! - [`wire`]: a generic wire reader, independent of prost, for raw anchors and canonical checks.
//! - [`codec`]: proto-JSON <-> bytes through the schema's descriptors and prost types.
//! - [`typed`]: the prost types by full name.
//! - [`catalogue`]: every case, written by hand.
//! - [`compile`]: catalogue definition -> case.
//! - [`generate`]: merges the catalogue into the files, keeping ids.
//! - [`check`]: detects drift.
//! - [`store`]: reads and writes the directory.
//! - [`outcome`]: compares what a backend or receiver did with what a case expects.

pub mod catalogue;
pub mod check;
pub mod codec;
pub mod codes;
pub mod compile;
pub mod format;
pub mod generate;
pub mod hex;
pub mod outcome;
pub mod store;
pub mod typed;
pub mod wire;

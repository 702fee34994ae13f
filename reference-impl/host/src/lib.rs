//! An Eventwire backend as a process: the length-prefixed stream transport of SPEC.md section
//! 13.3, served over standard input and output, for any dispatcher.
//!
//! - [`run`]: the whole command line (`--stdio`, `--config`, `--capabilities`, `--not-ready`) as
//!   one call; an application's host binary is `eventwire_host::run("my-host", my_app::mount)`.
//!   The reference binary `eventwire-host` serves the sample application and the conformance
//!   module this way. `--config FILE` is the configuration JSON of
//!   [`eventwire::Config::from_json`], the same document the C ABI accepts (an empty file is
//!   refused).
//! - [`framing`]: the async reader of stream frames ([`eventwire::framing`] defines the framing).
//! - [`inbound`]: what a frame from the front end asks for (request, cancel, or a fault).
//! - [`server`]: one connection, from frames in to frames out, on any async byte streams.
//! - [`stdio`]: learning that the front end closed standard output.

pub mod framing;
pub mod inbound;
mod run;
pub mod server;
pub mod stdio;

pub use run::run;
pub use server::{Ending, ServeOptions, serve, serve_watching};

//! Eventwire's conformance suite: cases written as data, a runner that sends them to an
//! implementation under test (a *testee*) over the testee protocol, and the reference testee.
//!
//! The protocol and the comparison rules are described in `conformance/INTERPRETING.md`.
//!
//! - [`case`]: what a case is; [`suite`], [`vectors`] and [`catalog`]: where cases come from.
//! - [`bytes_spec`]: bytes written as data; [`canonical`]: the canonical binary encoding;
//!   [`json`]: proto-JSON parsed and compared as values.
//! - [`check`]: comparing an answer with an expectation.
//! - [`framing`] and [`testee`]: talking to a testee, with deadlines and restarts.
//! - [`known_failing`]: the list of cases an implementation is known to fail.
//! - [`report`]: JSON and JUnit reports; [`runner`]: the command-line runner.
//! - [`reference`](mod@reference): the reference testee (and its deliberate flaws, for testing the suite).

pub mod bytes_spec;
pub mod canonical;
pub mod case;
pub mod catalog;
pub mod check;
pub mod framing;
pub mod json;
pub mod known_failing;
pub mod reference;
pub mod report;
pub mod runner;
pub mod suite;
pub mod testee;
pub mod vectors;

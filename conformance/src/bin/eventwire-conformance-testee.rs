//! `eventwire-conformance-testee`: the reference implementation as a testee process. It speaks
//! the testee protocol on stdin/stdout (conformance/INTERPRETING.md).
//!
//! `--backend-command CMD` plays the backend role through a stream backend process (started once
//! per dispatch case, e.g. `eventwire-host --stdio`) instead of the in-process dispatcher;
//! `--backend-not-ready-arg ARG` is the argument that starts that backend not ready (then the
//! `not-ready` cases run too). `--without-feature NAME` stops declaring a feature: a backend that
//! mounts only the conformance module and its own modules runs with `--without-feature
//! sample-app`, so the sample application's cases are skipped.
//!
//! `--flaw NAME` makes it deliberately wrong; the suite's own tests use this to prove that the
//! cases catch real mistakes. A flawed testee must never be used to claim conformance.

use std::{io, process::ExitCode};

use eventwire_conformance::reference::{Flaw, Reference};

fn main() -> ExitCode {
    let mut reference = Reference::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--backend-command", Some(command)) => reference.backend_command = Some(command),
            ("--backend-not-ready-arg", Some(arg)) => reference.backend_not_ready_arg = Some(arg),
            ("--without-feature", Some(name)) => reference.without_features.push(name),
            ("--flaw", Some(name)) => match Flaw::parse(&name) {
                Some(flaw) => reference.flaw = Some(flaw),
                None => {
                    eprintln!("unknown flaw `{name}`");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!(
                    "usage: eventwire-conformance-testee [--backend-command \"eventwire-host --stdio\" [--backend-not-ready-arg --not-ready]] [--without-feature NAME]... [--flaw NAME]"
                );
                return ExitCode::from(2);
            }
        }
    }
    match reference.serve(io::stdin().lock(), io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eventwire-conformance-testee: {e}");
            ExitCode::FAILURE
        }
    }
}

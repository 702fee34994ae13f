//! The conformance suite, benchmark (g): wall time of `eventwire-conformance` (every case,
//! against the built-in reference implementation, in both roles), as a release build runs it.
//! `list_baseline` is the same binary's start-up and catalogue load (`--list`), the fixed part.
//! Under `cargo test` only the cases whose name contains `ping` run (7 cases), as a smoke check.
//! (It said `Ping`, which no case name contains: the runner used to exit 0 for a filter that
//! selected nothing, so the smoke check ran no case at all; now that is an error.)

use std::process::{Command, Stdio};

use divan::Bencher;
use eventwire_bench::{bench_mode, built_binary};

fn main() {
    divan::main();
}

fn run(args: &[&str]) {
    let binary = built_binary("eventwire-conformance", "eventwire-conformance");
    let status = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("running eventwire-conformance");
    assert!(status.success(), "the conformance suite failed ({status})");
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn suite(bencher: Bencher) {
    let args: &[&str] = if bench_mode() {
        &["-q"]
    } else {
        &["-q", "ping"]
    };
    // Built (or found up to date) before timing starts.
    built_binary("eventwire-conformance", "eventwire-conformance");
    bencher.bench_local(|| run(args));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn list_baseline(bencher: Bencher) {
    built_binary("eventwire-conformance", "eventwire-conformance");
    bencher.bench_local(|| run(&["--list"]));
}

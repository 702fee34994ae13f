//! `eventwire-host --stdio`: the reference backend (the sample application and the conformance
//! module) speaking the length-prefixed stream on standard input and output. Standard output
//! carries frames only; diagnostics go to standard error. See `eventwire_host::run` for the flags
//! and the exit status.

fn main() -> std::process::ExitCode {
    eventwire_host::run("eventwire-host", eventwire_reference::mount)
}

//! The host's command line as a library call, so that an application's own host binary is one
//! line (`eventwire_host::run("todo-host", todo::mount)`).

use std::{path::PathBuf, process::ExitCode};

use clap::{CommandFactory, FromArgMatches, Parser};
use eventwire::{Capabilities, Dispatcher, DispatcherBuilder};

use crate::{Ending, ServeOptions, serve_watching};

/// An Eventwire backend, serving the stream transport (SPEC.md section 13.3) on stdio.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Args {
    /// Serve one connection on standard input and output (4-byte little-endian length + StreamFrame).
    #[arg(long, required = true)]
    stdio: bool,

    /// Configuration JSON file: the same keys as the C ABI's eventwire_init (limits, per-event
    /// timeouts, capabilities).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Comma-separated capability patterns for this connection (`*`, `module.*`, `module.Event`),
    /// replacing the configuration's set; an empty value allows no event.
    #[arg(long, value_name = "PATTERNS")]
    capabilities: Option<String>,

    /// Start the backend "not ready" and leave it so: every well-formed request is answered ERR
    /// BACKEND_NOT_READY (203), as by a backend still initialising (REQ-VAL-4). For testing how
    /// front ends and conformance cases handle that answer; the backend never becomes ready in
    /// this mode.
    #[arg(long)]
    not_ready: bool,
}

const EXIT_USAGE: u8 = 2;

/// Runs a backend process with the command line of `eventwire-host` (`--stdio`, `--config`,
/// `--capabilities`, `--not-ready`), serving the dispatcher that `mount` builds (it adds the
/// application's schemas and handlers; the command line adds the configuration and readiness).
/// `name` is the program's name in `--help` and in diagnostics.
///
/// Exit status: 0 when the input ended at a frame boundary and every request was answered; 1
/// after a closing fault (oversized length prefix, input ending inside a frame) or when the
/// output could not be written; 2 for a bad command line, configuration or dispatcher.
pub fn run(
    name: &'static str,
    mount: impl FnOnce(DispatcherBuilder) -> DispatcherBuilder,
) -> ExitCode {
    let matches = Args::command().name(name).bin_name(name).get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    let config = match &args.config {
        None => eventwire::Config::default(),
        Some(path) => match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                if bytes.is_empty() {
                    return Err("empty file".to_owned());
                }
                eventwire::Config::from_json(&bytes).map_err(|e| e.to_string())
            }) {
            Ok(config) => config,
            Err(e) => {
                eprintln!("{name}: {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    let mut options = ServeOptions::new();
    if let Some(list) = &args.capabilities {
        let patterns: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let capabilities = match Capabilities::from_patterns(&patterns) {
            Ok(capabilities) => capabilities,
            Err(e) => {
                eprintln!("{name}: --capabilities: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        options = options.capabilities(capabilities);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{name}: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let dispatcher = match mount(Dispatcher::builder())
            .config(config)
            .ready(!args.not_ready)
            .build()
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{name}: cannot start the dispatcher:\n{e}");
                return EXIT_USAGE;
            }
        };
        for warning in dispatcher.capability_warnings(&options.capabilities) {
            eprintln!("{name}: warning: {warning}");
        }
        let output_gone = crate::stdio::output_gone();
        let ending = serve_watching(
            &dispatcher,
            tokio::io::stdin(),
            tokio::io::stdout(),
            options,
            output_gone,
        )
        .await;
        match &ending {
            Ending::Clean => {}
            Ending::Closed(reason) => eprintln!("{name}: closed the stream: {reason}"),
            Ending::OutputFailed(e) => eprintln!("{name}: writing the output failed: {e}"),
        }
        ending.exit_code()
    });
    // Standard input is read on a blocking thread that may still wait for bytes nobody will
    // send (after a closing fault); do not wait for it.
    runtime.shutdown_background();
    ExitCode::from(code)
}

//! `eventwire-host --stdio`: the reference backend (sample application and conformance module)
//! speaking the length-prefixed stream on standard input and output. Standard output carries
//! frames only; diagnostics go to standard error.
//!
//! Exit status: 0 when the input ended at a frame boundary and every request was answered; 1
//! after a closing fault (oversized length prefix, input ending inside a frame) or when the
//! output could not be written; 2 for a bad command line or configuration.

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;
use eventwire::{Capabilities, Dispatcher};
use eventwire_host::{ServeOptions, config, serve_watching};

/// Eventwire's reference backend, serving the stream transport (SPEC.md section 13.3) on stdio.
#[derive(Debug, Parser)]
#[command(name = "eventwire-host", version, about, long_about = None)]
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

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match &args.config {
        None => eventwire::Config::default(),
        Some(path) => match std::fs::read(path).map_err(|e| e.to_string()).and_then(|bytes| {
            if bytes.is_empty() {
                return Err("empty file".to_owned());
            }
            config::parse(&bytes).map_err(|e| e.0)
        }) {
            Ok(config) => config,
            Err(e) => {
                eprintln!("eventwire-host: {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    let mut options = ServeOptions::new();
    if let Some(list) = &args.capabilities {
        let patterns: Vec<&str> = list.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let capabilities = match Capabilities::from_patterns(&patterns) {
            Ok(capabilities) => capabilities,
            Err(e) => {
                eprintln!("eventwire-host: --capabilities: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        config::warn_unknown(&capabilities);
        options = options.capabilities(capabilities);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("eventwire-host: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let mut builder = Dispatcher::builder();
        builder.config(config).ready(!args.not_ready);
        eventwire::app::register_all(&mut builder);
        let dispatcher = match builder.build() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("eventwire-host: invalid configuration: {e}");
                return EXIT_USAGE;
            }
        };
        let output_gone = eventwire_host::stdio::output_gone();
        let ending = serve_watching(&dispatcher, tokio::io::stdin(), tokio::io::stdout(), options, output_gone).await;
        match &ending {
            eventwire_host::Ending::Clean => {}
            eventwire_host::Ending::Closed(reason) => eprintln!("eventwire-host: closed the stream: {reason}"),
            eventwire_host::Ending::OutputFailed(e) => eprintln!("eventwire-host: writing the output failed: {e}"),
        }
        ending.exit_code()
    });
    // Standard input is read on a blocking thread that may still wait for bytes nobody will
    // send (after a closing fault); do not wait for it.
    runtime.shutdown_background();
    ExitCode::from(code)
}

//! `eventwire-loadtest`: faults under load. Sends a million requests (by default) through one or
//! more transports of the reference backend, one percent each of them panicking, timing out,
//! cancelled, with malformed envelopes, emitting notifications, naming unknown events and
//! malformed at the transport level, and checks that every request got exactly one correct
//! response, nothing else arrived, peak memory stayed bounded, and the backend serves normally
//! afterwards. Bounded in count and in time; exits non-zero when a check fails.
//!
//! ```text
//! cargo build --release -p eventwire-reference -p eventwire-loadtest
//! target/release/eventwire-loadtest all
//! ```

mod cabi;
mod inproc;
mod ledger;
mod memory;
mod mix;
mod stdio;

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::{Arc, atomic::Ordering::SeqCst},
    time::Duration,
};

use clap::{Parser, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "eventwire-loadtest",
    about = "Faults under load against the reference backend's transports"
)]
struct Args {
    /// Which transport(s) to drive.
    #[arg(value_enum, default_value = "all")]
    transport: Transport,
    /// Requests per transport.
    #[arg(long, default_value_t = 1_000_000)]
    requests: u64,
    /// Requests kept outstanding at most; above the backend's in-flight limit (1024) on purpose,
    /// so that OVERLOADED is exercised too.
    #[arg(long, default_value_t = 1536)]
    window: u64,
    /// Stop sending after this many seconds per transport (the run then fails: not all sent).
    #[arg(long, default_value_t = 600)]
    max_seconds: u64,
    /// Peak resident memory allowed, MiB (of the host process for stdio, of this process otherwise).
    #[arg(long, default_value_t = 256)]
    max_rss_mib: u64,
    /// The eventwire-host binary; defaults to the one next to this binary.
    #[arg(long)]
    host: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Transport {
    Stdio,
    Cabi,
    Inproc,
    All,
}

pub struct Options {
    pub requests: u64,
    pub window: u64,
    pub max_time: Duration,
}

/// What one transport's run produced.
pub struct Report {
    pub transport: &'static str,
    pub requests_sent: u64,
    pub malformed_frames: u64,
    pub elapsed: Duration,
    pub peak_rss_kib: Option<u64>,
    /// Peak RSS after each tenth of the requests: flat when memory is bounded.
    pub rss_samples_kib: Vec<u64>,
    pub serving_afterwards: bool,
    pub clean_exit: Option<bool>,
    pub note: String,
    pub ledger: Arc<ledger::Ledger>,
}

impl Report {
    /// The failed checks; empty when the run passed.
    fn failures(&self, o: &Options, max_rss_kib: u64) -> Vec<String> {
        let l = &self.ledger;
        let mut f = Vec::new();
        let malformed_expected = if self.malformed_frames > 0 {
            self.malformed_frames
        } else {
            0
        };
        // The final check request is not part of the mix.
        if self.requests_sent + self.malformed_frames < o.requests {
            f.push(format!(
                "only {} of {} sent within the time limit",
                self.requests_sent + self.malformed_frames,
                o.requests
            ));
        }
        for (what, n) in [
            ("lost", l.lost()),
            ("duplicated", l.duplicated.load(SeqCst)),
            ("for unknown ids", l.unknown_id.load(SeqCst)),
            ("with a wrong outcome", l.wrong_outcome.load(SeqCst)),
            ("malformed", l.malformed_response.load(SeqCst)),
        ] {
            if n > 0 {
                f.push(format!("{n} responses {what}"));
            }
        }
        if l.faults.load(SeqCst) != malformed_expected {
            f.push(format!(
                "{} faults for {} malformed frames",
                l.faults.load(SeqCst),
                malformed_expected
            ));
        }
        match self.peak_rss_kib {
            Some(kib) if kib > max_rss_kib => {
                f.push(format!("peak RSS {kib} KiB over {max_rss_kib} KiB"))
            }
            None => f.push("peak RSS unavailable".into()),
            _ => {}
        }
        // Bounded, not growing with the number of requests: the peak after the last tenth is
        // within 32 MiB of the peak after the first tenth.
        if let (Some(first), Some(last)) =
            (self.rss_samples_kib.first(), self.rss_samples_kib.last())
        {
            if *last > first + 32 * 1024 {
                f.push(format!(
                    "peak RSS grew from {first} KiB (10%) to {last} KiB (100%)"
                ));
            }
        }
        if !self.serving_afterwards {
            f.push("not serving normally afterwards".into());
        }
        if self.clean_exit == Some(false) {
            f.push(format!("did not end cleanly ({})", self.note));
        }
        if let Some(p) = l.first_problem() {
            f.push(format!("first problem: {p}"));
        }
        f
    }

    fn print(&self) {
        let l = &self.ledger;
        let secs = self.elapsed.as_secs_f64();
        println!("{}:", self.transport);
        println!("  requests sent        {}", self.requests_sent);
        if self.malformed_frames > 0 {
            println!(
                "  malformed frames     {} (faults received: {})",
                self.malformed_frames,
                l.faults.load(SeqCst)
            );
        }
        println!(
            "  responses received   {} (incl. the final check request)",
            l.received.load(SeqCst)
        );
        println!("  lost                 {}", l.lost());
        println!("  duplicated           {}", l.duplicated.load(SeqCst));
        println!("  wrong outcome        {}", l.wrong_outcome.load(SeqCst));
        println!("  OVERLOADED           {}", l.overloaded.load(SeqCst));
        println!("  notifications        {}", l.notifications.load(SeqCst));
        println!(
            "  peak RSS (VmHWM)     {} KiB",
            self.peak_rss_kib.map_or("?".into(), |k| k.to_string())
        );
        println!("  VmHWM per tenth      {:?} KiB", self.rss_samples_kib);
        println!(
            "  time                 {secs:.1} s ({:.0} requests/s)",
            self.requests_sent as f64 / secs
        );
        println!("  serving afterwards   {}", self.serving_afterwards);
        if !self.note.is_empty() {
            println!("  note                 {}", self.note);
        }
    }
}

/// The conformance module's `Panic` event panics on purpose, a thousand times per million
/// requests; those are counted by their responses, not printed. Any other panic is printed.
fn quiet_deliberate_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info
            .location()
            .is_some_and(|l| l.file().ends_with("handlers/conformance.rs"))
        {
            default(info);
        }
    }));
}

fn main() -> ExitCode {
    let args = Args::parse();
    quiet_deliberate_panics();
    let options = Options {
        requests: args.requests,
        window: args.window,
        max_time: Duration::from_secs(args.max_seconds),
    };
    let host = args.host.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("eventwire-host")))
            .unwrap_or_else(|| PathBuf::from("eventwire-host"))
    });
    let runs: Vec<Transport> = match args.transport {
        Transport::All => vec![Transport::Stdio, Transport::Cabi, Transport::Inproc],
        one => vec![one],
    };
    let mut failed = false;
    for transport in runs {
        let result = match transport {
            Transport::Stdio => stdio::run(&host, &options),
            Transport::Cabi => cabi::run(&options),
            Transport::Inproc => inproc::run(&options),
            Transport::All => unreachable!("expanded above"),
        };
        match result {
            Ok(report) => {
                report.print();
                let failures = report.failures(&options, args.max_rss_mib * 1024);
                if failures.is_empty() {
                    println!("  result               PASS");
                } else {
                    failed = true;
                    for f in failures {
                        println!("  FAIL                 {f}");
                    }
                }
            }
            Err(e) => {
                failed = true;
                println!("{transport:?}: FAIL: {e}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

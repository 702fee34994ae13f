//! The stream transport: `eventwire-host --stdio` as a child process, one writer thread and one
//! reader thread, frames as SPEC.md section 13.3 defines them.

use std::{
    io::{BufReader, BufWriter, Read, Write},
    path::Path,
    process::{Command, Stdio},
    sync::{Arc, atomic::Ordering::SeqCst},
    time::{Duration, Instant},
};

use eventwire::framing;
use eventwire_sample_app::reference::pb::{
    self, StreamCancel, StreamFrame, StreamRequest, StreamResponse, stream_frame::Kind as FrameKind,
};
use prost::Message;

use crate::{
    Options, Report,
    ledger::Ledger,
    memory,
    mix::{self, Kind},
};

fn frame(kind: FrameKind) -> Vec<u8> {
    framing::encode(&StreamFrame { kind: Some(kind) }.encode_to_vec())
}

/// The malformed frames sent in turn (each answered with a fault, never a response).
fn malformed_frame(i: u64) -> Vec<u8> {
    let raw = framing::encode;
    match (i / 100) % 4 {
        0 => raw(&[0xff, 0xff, 0xff]),
        1 => raw(&[]),
        2 => frame(FrameKind::Request(StreamRequest {
            id: 0,
            request: mix::request(Kind::Ping),
            timeout_ms: 0,
        })),
        _ => frame(FrameKind::Response(StreamResponse {
            id: 0,
            response: vec![],
        })),
    }
}

pub fn run(host: &Path, o: &Options) -> Result<Report, String> {
    let mut child = Command::new(host)
        .arg("--stdio")
        // One line per deliberate panic, not a backtrace each.
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", host.display()))?;
    let pid = child.id().to_string();
    let mut stdin = BufWriter::with_capacity(1 << 16, child.stdin.take().unwrap());
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    // The host logs each deliberate panic to stderr; count lines, keep nothing.
    let stderr_lines = std::thread::spawn(move || {
        let mut buf = [0u8; 1 << 14];
        let mut lines = 0u64;
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        }
        lines
    });

    let n = o.requests;
    let ledger = Arc::new(Ledger::new(n + 1));
    let reader = {
        let ledger = Arc::clone(&ledger);
        std::thread::spawn(move || read_frames(stdout, &ledger))
    };

    let start = Instant::now();
    let deadline = start + o.max_time;
    let mut malformed_sent = 0u64;
    let mut samples = Vec::new();
    for i in 1..=n {
        if ledger.outstanding() >= o.window {
            // The host answers only what it has read: hand it the buffered frames before waiting.
            stdin
                .flush()
                .map_err(|e| format!("writing to the host: {e}"))?;
        }
        if !ledger.wait_for_window(o.window, deadline) {
            break;
        }
        let kind = mix::kind_of(i);
        let bytes = match kind {
            Kind::Malformed => {
                malformed_sent += 1;
                malformed_frame(i)
            }
            Kind::Timeout => {
                ledger.sending(i);
                frame(FrameKind::Request(StreamRequest {
                    id: i,
                    request: mix::request(kind),
                    timeout_ms: 20,
                }))
            }
            Kind::Cancelled => {
                ledger.sending(i);
                let mut both = frame(FrameKind::Request(StreamRequest {
                    id: i,
                    request: mix::request(kind),
                    timeout_ms: 0,
                }));
                both.extend(frame(FrameKind::Cancel(StreamCancel { id: i })));
                both
            }
            _ => {
                ledger.sending(i);
                frame(FrameKind::Request(StreamRequest {
                    id: i,
                    request: mix::request(kind),
                    timeout_ms: 0,
                }))
            }
        };
        stdin
            .write_all(&bytes)
            .map_err(|e| format!("writing to the host: {e}"))?;
        if i % (n / 10).max(1) == 0 {
            samples.push(memory::peak_rss_kib(&pid).unwrap_or(0));
        }
    }
    stdin
        .flush()
        .map_err(|e| format!("writing to the host: {e}"))?;
    let sent_mix = ledger.sent.load(SeqCst);
    wait_for(
        || ledger.outstanding() == 0 && ledger.faults.load(SeqCst) >= malformed_sent,
        deadline + Duration::from_secs(30),
    );
    let elapsed = start.elapsed();

    // Still serving normally: one more Ping, answered OK.
    let check = n + 1;
    ledger.sending(check);
    stdin
        .write_all(&frame(FrameKind::Request(StreamRequest {
            id: check,
            request: mix::request(Kind::Ping),
            timeout_ms: 0,
        })))
        .and_then(|()| stdin.flush())
        .map_err(|e| format!("writing to the host: {e}"))?;
    wait_for(
        || ledger.outstanding() == 0,
        Instant::now() + Duration::from_secs(30),
    );
    let serving = ledger.lost() == 0;
    let peak = memory::peak_rss_kib(&pid);

    // End of input at a frame boundary: the host answers what is in flight and exits 0.
    drop(stdin);
    let exit = wait_child(&mut child, Duration::from_secs(30));
    reader.join().map_err(|_| "reader thread panicked")?;
    let stderr_lines = stderr_lines.join().unwrap_or(0);

    Ok(Report {
        transport: "stdio (eventwire-host --stdio)",
        requests_sent: sent_mix,
        malformed_frames: malformed_sent,
        elapsed,
        peak_rss_kib: peak,
        rss_samples_kib: samples,
        serving_afterwards: serving,
        clean_exit: Some(exit == Some(0)),
        note: format!(
            "host exit status {exit:?}; {stderr_lines} stderr lines (deliberate panics are logged)"
        ),
        ledger,
    })
}

fn wait_for(done: impl Fn() -> bool, until: Instant) {
    while !done() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn wait_child(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let until = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn read_frames(stdout: std::process::ChildStdout, ledger: &Ledger) {
    let mut input = BufReader::with_capacity(1 << 16, stdout);
    let mut body = Vec::new();
    loop {
        match framing::read_frame_into(&mut input, usize::MAX, &mut body) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                ledger.problem(format!("the host's output: {e}"));
                return;
            }
        }
        match StreamFrame::decode(body.as_slice()).map(|f| f.kind) {
            Ok(Some(FrameKind::Response(r))) => ledger.response(r.id, &r.response),
            Ok(Some(FrameKind::Notification(_))) => {
                ledger.notifications.fetch_add(1, SeqCst);
            }
            Ok(Some(FrameKind::Fault(f))) => {
                ledger.faults.fetch_add(1, SeqCst);
                let error = pb::FlowyError::decode(f.error.as_slice()).unwrap_or_default();
                if f.closing || error.code != pb::ErrorCode::InvalidRequest as i32 {
                    ledger.problem(format!("unexpected fault {f:?}"));
                }
            }
            other => ledger.problem(format!("the host sent {other:?}")),
        }
    }
}

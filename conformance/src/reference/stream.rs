//! The backend role through a stream transport: each dispatch case starts a fresh backend process
//! (e.g. `eventwire-host --stdio`), configured by a JSON file, and speaks the stream framing of
//! SPEC.md section 13.3 to it: `request` and `cancel` frames out; `response`, `notification` and
//! `fault` frames back.

use std::{
    process::{ChildStdin, Command, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use eventwire_schema::{
    pb::{StreamCancel, StreamFrame, StreamRequest, stream_frame::Kind},
    testee_pb::{self, case_result::Result as R},
};
use prost::Message;

use super::drive;
use crate::framing;

/// Runs `op` against a fresh process started from `command` (plus `--config FILE` when the case
/// configures the backend, and `not_ready_arg` when it must start not ready).
pub fn dispatch(command: &str, not_ready_arg: Option<&str>, op: &testee_pb::DispatchOp) -> R {
    let config = op.config.clone().unwrap_or_default();
    let command = match (config.not_ready, not_ready_arg) {
        (false, _) => command.to_owned(),
        (true, Some(arg)) => format!("{command} {arg}"),
        (true, None) => {
            return R::Unsupported("this stream backend cannot be started not ready".into());
        }
    };
    if !config.subscribers.is_empty() {
        return R::Unsupported("a stream connection is a single subscriber".into());
    }
    let mut json = serde_json::Map::new();
    if config.max_payload_bytes > 0 {
        json.insert("max_payload_bytes".into(), config.max_payload_bytes.into());
    }
    if config.max_nesting_depth > 0 {
        json.insert("max_nesting_depth".into(), config.max_nesting_depth.into());
    }
    if config.max_in_flight > 0 {
        json.insert("max_in_flight".into(), config.max_in_flight.into());
    }
    if !config.capabilities.is_empty() || config.capabilities_configured {
        json.insert("capabilities".into(), config.capabilities.clone().into());
    }
    let config_file = (!json.is_empty()).then(|| {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::env::temp_dir().join(format!(
            "eventwire-conformance-{}-{n}.json",
            std::process::id()
        ))
    });
    if let Some(path) = &config_file
        && let Err(e) = std::fs::write(path, serde_json::Value::Object(json).to_string())
    {
        return R::Unsupported(format!("cannot write the configuration file: {e}"));
    }
    let full = match &config_file {
        Some(path) => format!("exec {command} --config '{}'", path.display()),
        None => format!("exec {command}"),
    };
    let result = run(&full, op);
    if let Some(path) = config_file {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Writes the op's frames to a fresh process started from `command`, closes its input, and
/// answers every frame it writes until it closes its output.
pub fn frames(command: &str, op: &testee_pb::StreamOp) -> R {
    let mut child = match Command::new("sh")
        .arg("-c")
        .arg(format!("exec {command}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return R::Unsupported(format!("cannot start `{command}`: {e}")),
    };
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return R::Unsupported("the backend process has no pipes".into());
    };
    let input: Vec<u8> = op.frames.concat();
    // Written on a thread of its own, so that a backend that writes before it has read
    // everything cannot block both sides; the input closes when the thread is done.
    let writer = thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&input);
    });
    let mut out = Vec::new();
    while let Ok(Some(frame)) = framing::read_frame(&mut stdout) {
        out.push(frame);
    }
    let _ = writer.join();
    let _ = child.wait();
    R::StreamOutput(testee_pb::StreamOutput { frames: out })
}

fn run(command: &str, op: &testee_pb::DispatchOp) -> R {
    let mut child = match Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return R::Unsupported(format!("cannot start `{command}`: {e}")),
    };
    let (Some(stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return R::Unsupported("the backend process has no pipes".into());
    };
    let (tx, frames) = mpsc::channel();
    thread::spawn(move || {
        while let Ok(Some(frame)) = framing::read_frame(&mut stdout) {
            if tx.send(frame).is_err() {
                return;
            }
        }
    });
    let mut connection = Stream {
        stdin: Some(stdin),
        frames,
    };
    let outcome = drive::dispatch(op, &mut connection, &mut drive::NoSubscribers);
    // End of input: the backend answers what is in flight and exits.
    connection.stdin = None;
    let _ = child.wait();
    match outcome {
        Ok(dispatched) => R::Dispatched(dispatched),
        Err(e) => R::Unsupported(e),
    }
}

/// Subscriber 0 over the stream: request and cancel frames out, response and notification frames
/// back (a fault frame is a broken case).
struct Stream {
    stdin: Option<ChildStdin>,
    frames: mpsc::Receiver<Vec<u8>>,
}

impl Stream {
    fn write(&mut self, kind: Kind) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("the backend's input is closed")?;
        eventwire::framing::write_frame(stdin, &StreamFrame { kind: Some(kind) }.encode_to_vec())
            .map_err(|e| format!("cannot write to the backend: {e}"))
    }
}

impl drive::Connection for Stream {
    fn send(&mut self, id: u64, step: &testee_pb::DispatchStep) -> Result<(), String> {
        self.write(Kind::Request(StreamRequest {
            id,
            request: step.request.clone(),
            timeout_ms: step.timeout_ms,
        }))
    }

    fn cancel(&mut self, id: u64) -> Result<(), String> {
        self.write(Kind::Cancel(StreamCancel { id }))
    }

    fn next(&mut self, wait: Duration) -> Result<Option<drive::Event>, String> {
        match self.frames.recv_timeout(wait) {
            Ok(bytes) => match StreamFrame::decode(bytes.as_slice()).map(|f| f.kind) {
                Ok(Some(Kind::Notification(n))) => {
                    Ok(Some(drive::Event::Notification(n.encode_to_vec())))
                }
                Ok(Some(Kind::Response(r))) => Ok(Some(drive::Event::Response {
                    id: r.id,
                    response: r.response,
                })),
                Ok(other) => Err(format!("unexpected frame from the backend: {other:?}")),
                Err(e) => Err(format!("undecodable frame from the backend: {e}")),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err("the backend closed its output".into())
            }
        }
    }
}

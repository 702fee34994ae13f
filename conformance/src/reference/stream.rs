//! The backend role through a stream transport: each dispatch case starts a fresh backend process
//! (e.g. `eventwire-host --stdio`), configured by a JSON file, and speaks the stream framing of
//! SPEC.md section 13.3 to it: `request` and `cancel` frames out; `response`, `notification` and
//! `fault` frames back.

use std::{
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use eventwire_schema::{
    pb::{StreamCancel, StreamFrame, StreamRequest, stream_frame::Kind},
    testee_pb::{self, case_result::Result as R},
};
use prost::Message;

use crate::framing;

/// How long one step may take before the adapter gives up on the backend process.
const STEP_DEADLINE: Duration = Duration::from_secs(5);

/// Runs `op` against a fresh process started from `command` (plus `--config FILE` when the case
/// configures the backend).
pub fn dispatch(command: &str, op: &testee_pb::DispatchOp) -> R {
    let config = op.config.clone().unwrap_or_default();
    if config.not_ready {
        return R::Unsupported("a stream backend process cannot be started not ready".into());
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
    if !config.capabilities.is_empty() {
        json.insert("capabilities".into(), config.capabilities.clone().into());
    }
    let config_file = (!json.is_empty()).then(|| {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::env::temp_dir().join(format!("eventwire-conformance-{}-{n}.json", std::process::id()))
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

fn run(command: &str, op: &testee_pb::DispatchOp) -> R {
    let mut child = match Command::new("sh").arg("-c").arg(command).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => return R::Unsupported(format!("cannot start `{command}`: {e}")),
    };
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, frames) = mpsc::channel();
    thread::spawn(move || {
        while let Ok(Some(frame)) = framing::read_frame(&mut stdout) {
            if tx.send(frame).is_err() {
                return;
            }
        }
    });
    let mut send = |kind: Kind| framing::write_frame(&mut stdin, &StreamFrame { kind: Some(kind) }.encode_to_vec());
    let mut steps = Vec::new();
    let outcome = (|| {
        for (i, step) in op.steps.iter().enumerate() {
            let id = i as u64 + 1;
            send(Kind::Request(StreamRequest { id, request: step.request.clone(), timeout_ms: step.timeout_ms }))
                .map_err(|e| format!("cannot write to the backend: {e}"))?;
            let started = Instant::now();
            let mut cancel_at = (step.cancel_after_ms > 0).then(|| started + Duration::from_millis(u64::from(step.cancel_after_ms)));
            let mut result = testee_pb::StepResult::default();
            loop {
                let wait = match cancel_at {
                    Some(at) => at.saturating_duration_since(Instant::now()),
                    None => (started + STEP_DEADLINE).saturating_duration_since(Instant::now()),
                };
                match frames.recv_timeout(wait) {
                    Ok(bytes) => match StreamFrame::decode(bytes.as_slice()).map(|f| f.kind) {
                        Ok(Some(Kind::Notification(n))) => result.notifications.push(n.encode_to_vec()),
                        Ok(Some(Kind::Response(r))) if r.id == id => {
                            result.response = r.response;
                            break;
                        }
                        Ok(other) => return Err(format!("unexpected frame from the backend: {other:?}")),
                        Err(e) => return Err(format!("undecodable frame from the backend: {e}")),
                    },
                    Err(mpsc::RecvTimeoutError::Timeout) if cancel_at.is_some() => {
                        cancel_at = None;
                        send(Kind::Cancel(StreamCancel { id })).map_err(|e| format!("cannot write to the backend: {e}"))?;
                    }
                    Err(_) => return Err(format!("no response to step {i}")),
                }
            }
            steps.push(result);
        }
        Ok(())
    })();
    drop(stdin);
    let _ = child.wait();
    match outcome {
        Ok(()) => R::Dispatched(testee_pb::Dispatched { steps }),
        Err(e) => R::Unsupported(e),
    }
}

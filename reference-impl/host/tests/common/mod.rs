//! Drives the `eventwire-host` binary: writes frames to its standard input, reads every frame it
//! writes until it closes its output, and returns them with its exit status.

#![allow(dead_code)]

use std::{
    io::{Read, Write},
    process::{Command, ExitStatus, Stdio},
};

use eventwire::framing;
use eventwire_schema::project_pb::{
    FfiRequest, FfiResponse, FlowyError, StreamCancel, StreamFault, StreamFrame, StreamRequest,
    SubscribeObject, stream_frame::Kind,
};
use prost::Message;

/// The reference `eventwire-host` binary (crate eventwire-reference) of the same build as this
/// test: built, or brought up to date, through cargo in the same target directory and profile.
pub fn host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>/deps");
        let profile = profile_dir
            .file_name()
            .and_then(|p| p.to_str())
            .unwrap_or("debug");
        let target_dir = profile_dir
            .parent()
            .expect("a profile directory has a parent");
        let host = profile_dir.join(format!("eventwire-host{}", std::env::consts::EXE_SUFFIX));
        let built = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "build",
                "--quiet",
                "-p",
                "eventwire-reference",
                "--bin",
                "eventwire-host",
                "--profile",
            ])
            .arg(if profile == "debug" { "dev" } else { profile })
            .env("CARGO_TARGET_DIR", target_dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            built || host.exists(),
            "cannot build eventwire-host and {} does not exist",
            host.display()
        );
        host.display().to_string()
    })
}

/// Frames the host wrote, decoded, and how it exited.
pub struct Run {
    pub frames: Vec<Kind>,
    pub status: ExitStatus,
}

/// Runs the host with `args`, feeding it `input` and then closing its standard input.
pub fn run(args: &[&str], input: &[u8]) -> Run {
    run_with(args, |stdin| stdin.write_all(input).is_ok())
}

/// Runs the host; `feed` writes to its standard input (which is closed when `feed` returns).
pub fn run_with(
    args: &[&str],
    feed: impl FnOnce(&mut std::process::ChildStdin) -> bool + Send,
) -> Run {
    let mut child = Command::new(host())
        .arg("--stdio")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn eventwire-host");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut output = Vec::new();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // The host may close its input first (after a closing fault); that is not an error here.
            let _ = feed(&mut stdin);
        });
        stdout.read_to_end(&mut output).expect("read stdout");
    });
    let status = child.wait().expect("wait");
    Run {
        frames: decode_all(&output),
        status,
    }
}

/// Every frame of `output`; panics if the output is not a whole number of well-formed frames.
pub fn decode_all(mut output: &[u8]) -> Vec<Kind> {
    let mut frames = Vec::new();
    while !output.is_empty() {
        let (body, used) = framing::split(output, usize::MAX >> 1)
            .expect("frame length")
            .unwrap_or_else(|| panic!("output ends inside a frame: {output:?}"));
        let frame = StreamFrame::decode(body).expect("host writes StreamFrames");
        frames.push(frame.kind.expect("host frames have a kind"));
        output = &output[used..];
    }
    frames
}

pub fn frame(kind: Kind) -> Vec<u8> {
    framing::encode(&StreamFrame { kind: Some(kind) }.encode_to_vec())
}

pub fn envelope(event: &str, payload: &impl Message) -> Vec<u8> {
    FfiRequest {
        event: event.into(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec()
}

pub fn request(id: u64, event: &str, payload: &impl Message) -> Vec<u8> {
    request_with_timeout(id, event, payload, 0)
}

pub fn request_with_timeout(
    id: u64,
    event: &str,
    payload: &impl Message,
    timeout_ms: u32,
) -> Vec<u8> {
    frame(Kind::Request(StreamRequest {
        id,
        request: envelope(event, payload),
        timeout_ms,
    }))
}

pub fn cancel(id: u64) -> Vec<u8> {
    frame(Kind::Cancel(StreamCancel { id }))
}

pub fn ping(id: u64) -> Vec<u8> {
    request(id, "Ping", &())
}

/// The responses, by id, in the order they were written.
pub fn responses(frames: &[Kind]) -> Vec<(u64, FfiResponse)> {
    frames
        .iter()
        .filter_map(|k| match k {
            Kind::Response(r) => Some((
                r.id,
                FfiResponse::decode(r.response.as_slice()).expect("FFIResponse"),
            )),
            _ => None,
        })
        .collect()
}

pub fn response(frames: &[Kind], id: u64) -> FfiResponse {
    let mut found = responses(frames)
        .into_iter()
        .filter(|(i, _)| *i == id)
        .map(|(_, r)| r);
    let first = found
        .next()
        .unwrap_or_else(|| panic!("no response for {id}"));
    assert!(found.next().is_none(), "more than one response for {id}");
    first
}

/// The error code of an ERR response.
pub fn error_code(response: &FfiResponse) -> i32 {
    assert_eq!(response.code, 1, "expected ERR");
    let error = FlowyError::decode(response.payload.as_slice()).expect("FlowyError");
    assert_eq!(
        error.category,
        eventwire::ErrorCode::try_from(error.code)
            .unwrap()
            .category() as i32
    );
    error.code
}

pub fn faults(frames: &[Kind]) -> Vec<(StreamFault, FlowyError)> {
    frames
        .iter()
        .filter_map(|k| match k {
            Kind::Fault(f) => Some((
                f.clone(),
                FlowyError::decode(f.error.as_slice()).expect("fault error"),
            )),
            _ => None,
        })
        .collect()
}

pub fn notifications(frames: &[Kind]) -> Vec<SubscribeObject> {
    frames
        .iter()
        .filter_map(|k| match k {
            Kind::Notification(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

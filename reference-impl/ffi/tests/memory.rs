//! Peak memory of the C ABI while its response callback blocks and other threads keep calling
//! (docs/ROBUSTNESS.md section 6): 200,000 small calls, and 16 MiB Echo calls. Each case checks
//! the measured peak against the formula of docs/ROBUSTNESS.md section 4.
//!
//! Ignored by default (slow in a debug build); each case runs in a fresh process of its own:
//!
//! ```sh
//! cargo test -p eventwire-ffi --test memory -- --ignored --nocapture
//! ```

use std::{
    ffi::c_void,
    sync::{
        Condvar, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use eventwire::{Config, pb::FfiRequest};
use eventwire_conformance_module::pb::AllTypesPb;
use eventwire_ffi::*;
// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_reference as _;
use prost::Message;

const MIB: usize = 1024 * 1024;

static OPEN: Mutex<bool> = Mutex::new(false);
static OPENED: Condvar = Condvar::new();
static BLOCKING: AtomicBool = AtomicBool::new(false);
static DELIVERED: Mutex<u64> = Mutex::new(0);
static DELIVERED_CHANGED: Condvar = Condvar::new();

unsafe extern "C" fn gated(_: u64, bytes: *const u8, len: usize, _: *mut c_void) {
    // SAFETY: the buffer this callback received, freed once.
    unsafe { eventwire_free(bytes.cast_mut(), len) };
    BLOCKING.store(true, Ordering::SeqCst);
    drop(
        OPENED
            .wait_while(OPEN.lock().unwrap(), |open| !*open)
            .unwrap(),
    );
    *DELIVERED.lock().unwrap() += 1;
    DELIVERED_CHANGED.notify_all();
}

fn status_kib(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// As in the host's memory test: runs the case again in a fresh process.
fn in_fresh_process(name: &str) -> bool {
    const CHILD: &str = "EVENTWIRE_MEMORY_CASE";
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .status()
        .unwrap();
    assert!(status.success(), "{name} failed in its own process");
    false
}

/// docs/ROBUSTNESS.md section 4, for the C ABI: the answers waiting for the callback thread, plus
/// the requests in flight when the budget was reached (each held at most 4 times while handled,
/// with its answer) and the calls of `threads` callers that passed the check together.
fn formula(c: &Config, largest_request: usize, largest_answer: usize, threads: usize) -> usize {
    let entry = eventwire::ANSWER_ENTRY_BYTES;
    let per_call = 4 * largest_request + largest_answer + entry + 512;
    c.max_queued_answer_bytes + (c.max_in_flight + threads) * per_call
}

/// With the callback blocked, calls `request` until refused (or `limit` calls); returns the calls
/// accepted and the peak growth of RSS in KiB; then unblocks and checks every accepted call is
/// answered.
fn flood(request: &[u8], limit: u64) -> (u64, usize) {
    assert_eq!(init(""), EVENTWIRE_OK);
    // SAFETY: a callback valid until shutdown.
    let status = unsafe { eventwire_set_response_callback(Some(gated), std::ptr::null_mut()) };
    assert_eq!(status, EVENTWIRE_OK);
    let base = status_kib("VmRSS:");
    // SAFETY: a valid buffer of request.len() bytes.
    let call = |id: u64| unsafe { eventwire_async_call(id, request.as_ptr(), request.len()) };
    assert_eq!(call(1), EVENTWIRE_OK);
    while !BLOCKING.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let mut accepted = 1;
    for id in 2..=limit {
        match call(id) {
            EVENTWIRE_OK => accepted += 1,
            EVENTWIRE_ERR_OVERLOADED => break,
            other => panic!("unexpected {other}"),
        }
    }
    let peak = status_kib("VmHWM:").saturating_sub(base);
    *OPEN.lock().unwrap() = true;
    OPENED.notify_all();
    drop(
        DELIVERED_CHANGED
            .wait_while(DELIVERED.lock().unwrap(), |d| *d < accepted)
            .unwrap(),
    );
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    (accepted, peak)
}

fn init(config: &str) -> i32 {
    // SAFETY: a valid buffer of config.len() bytes.
    unsafe { eventwire_init(config.as_ptr(), config.len()) }
}

#[test]
#[ignore = "memory scale: run with --ignored (see the module documentation)"]
fn two_hundred_thousand_calls_behind_a_blocked_callback() {
    if !in_fresh_process("two_hundred_thousand_calls_behind_a_blocked_callback") {
        return;
    }
    let request = FfiRequest {
        event: "Ping".into(),
        payload: Vec::new(),
    }
    .encode_to_vec();
    let (accepted, peak) = flood(&request, 200_000);
    let bound = formula(&Config::default(), request.len(), 16, 1);
    eprintln!(
        "Ping x 200,000 behind a blocked callback: {accepted} accepted, peak +{peak} KiB (+{} MiB); formula {} MiB",
        peak / 1024,
        bound / MIB
    );
    assert!(
        peak * 1024 <= bound,
        "peak {peak} KiB over the formula's {} KiB",
        bound / 1024
    );
}

#[test]
#[ignore = "memory scale: run with --ignored (see the module documentation)"]
fn sixteen_mib_echo_calls_behind_a_blocked_callback() {
    if !in_fresh_process("sixteen_mib_echo_calls_behind_a_blocked_callback") {
        return;
    }
    let c = Config::default();
    let echo = AllTypesPb {
        f_bytes: vec![7; c.max_payload_bytes - 8],
        ..Default::default()
    };
    let request = FfiRequest {
        event: "Echo".into(),
        payload: echo.encode_to_vec(),
    }
    .encode_to_vec();
    let (accepted, peak) = flood(&request, 48);
    // Requests in flight count against the budget too: at most budget / 16 MiB + 1 of them.
    let mut c = c;
    c.max_in_flight = c.max_queued_answer_bytes / request.len() + 1;
    let bound = formula(&c, request.len(), request.len(), 1);
    eprintln!(
        "Echo 16 MiB x 48 behind a blocked callback: {accepted} accepted, peak +{peak} KiB (+{} MiB); formula {} MiB",
        peak / 1024,
        bound / MIB
    );
    assert!(accepted < 48, "all 48 were taken");
    assert!(
        peak * 1024 <= bound,
        "peak {peak} KiB over the formula's {} KiB",
        bound / 1024
    );
}

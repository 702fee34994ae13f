//! The C ABI under a blocked callback and racing shutdown (SPEC.md REQ-TRANS-CABI-6, -8, -13 and
//! section 10): answers waiting for the callback thread are bounded by `max_queued_answer_bytes`
//! (a call over it returns `EVENTWIRE_ERR_OVERLOADED` and is not made), and a call that returns
//! `EVENTWIRE_OK` is answered whatever its interleaving with `eventwire_shutdown`.
//!
//! The library is process-global, so the tests take turns.

// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_reference as _;
use std::{
    collections::HashSet,
    ffi::c_void,
    sync::{
        Condvar, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc,
    },
    time::Duration,
};

use eventwire_ffi::*;

mod common;
use common::*;

// ---- Answers while a callback blocks ------------------------------------------------------

/// The first callback blocks until `OPEN`; every callback counts and frees its buffer.
static OPEN: Mutex<bool> = Mutex::new(false);
static OPENED: Condvar = Condvar::new();
static BLOCKING: AtomicBool = AtomicBool::new(false);
static DELIVERED: Mutex<u64> = Mutex::new(0);
static DELIVERED_CHANGED: Condvar = Condvar::new();

unsafe extern "C" fn gated(_: u64, bytes: *const u8, len: usize, _: *mut c_void) {
    // SAFETY: the buffer this callback received, freed once.
    unsafe { eventwire_free(bytes.cast_mut(), len) };
    BLOCKING.store(true, Ordering::SeqCst);
    let open = OPEN.lock().unwrap();
    drop(OPENED.wait_while(open, |open| !*open).unwrap());
    *DELIVERED.lock().unwrap() += 1;
    DELIVERED_CHANGED.notify_all();
}

/// Opens the gate when dropped, so that a failing test does not leave the callback thread
/// blocked (and the library initialised) for the next one.
struct OpenOnDrop;

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        *OPEN.lock().unwrap_or_else(|e| e.into_inner()) = true;
        OPENED.notify_all();
        if std::thread::panicking() {
            let _ = eventwire_shutdown();
        }
    }
}

fn wait_delivered(n: u64) {
    let delivered = DELIVERED.lock().unwrap();
    let (delivered, timeout) = DELIVERED_CHANGED
        .wait_timeout_while(delivered, Duration::from_secs(20), |d| *d < n)
        .unwrap();
    assert!(
        !timeout.timed_out(),
        "only {} of {n} callbacks arrived",
        *delivered
    );
}

#[test]
fn answers_waiting_for_a_blocked_callback_are_bounded_by_bytes() {
    let _turn = turn();
    *OPEN.lock().unwrap() = false;
    let _open = OpenOnDrop;
    *DELIVERED.lock().unwrap() = 0;
    let budget = 64 * 1024;
    assert_eq!(
        init(&format!(r#"{{"max_queued_answer_bytes":{budget}}}"#)),
        EVENTWIRE_OK
    );
    // SAFETY: a callback valid until shutdown.
    let status = unsafe { eventwire_set_response_callback(Some(gated), std::ptr::null_mut()) };
    assert_eq!(status, EVENTWIRE_OK);
    let request = ping();
    assert_eq!(async_call(1, &request), EVENTWIRE_OK);
    // The callback thread is now blocked in the first callback. Calls on another thread pile
    // answers up behind it until the budget refuses them.
    while !BLOCKING.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let mut accepted = 1u64;
    let mut refused = None;
    for id in 2..=200_000u64 {
        match async_call(id, &request) {
            EVENTWIRE_OK => accepted += 1,
            code => {
                refused = Some(code);
                break;
            }
        }
    }
    assert_eq!(
        refused,
        Some(EVENTWIRE_ERR_OVERLOADED),
        "200,000 calls were taken while the callback blocked"
    );
    // Each answer counts its bytes and its queue entry (128 bytes); those still in flight when
    // the budget was reached (at most max_in_flight, 1024) come on top.
    let entry = eventwire::ANSWER_ENTRY_BYTES as u64;
    assert!(
        accepted <= budget / entry + 1024 + 1,
        "{accepted} calls accepted"
    );
    // A synchronous call on another thread is refused at once too, instead of waiting behind
    // the callback.
    assert_eq!(
        std::thread::spawn(|| try_sync_call(&ping()).0)
            .join()
            .unwrap(),
        EVENTWIRE_ERR_OVERLOADED
    );

    // Unblocked: every accepted call is answered, and the library takes calls again.
    *OPEN.lock().unwrap() = true;
    OPENED.notify_all();
    wait_delivered(accepted);
    let (code, response) = try_sync_call(&request);
    assert_eq!((code, response.map(|r| r.code)), (EVENTWIRE_OK, Some(0)));
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    assert_eq!(
        *DELIVERED.lock().unwrap(),
        accepted,
        "each accepted call answered once"
    );
    BLOCKING.store(false, Ordering::SeqCst);
}

// ---- Calls racing shutdown ------------------------------------------------------------------

/// Ids answered through the response callback in the current round, and duplicates seen.
static ANSWERED: Mutex<Option<HashSet<u64>>> = Mutex::new(None);
static DUPLICATES: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" fn record(id: u64, bytes: *const u8, len: usize, _: *mut c_void) {
    // SAFETY: the buffer this callback received, freed once.
    unsafe { eventwire_free(bytes.cast_mut(), len) };
    if !ANSWERED.lock().unwrap().get_or_insert_default().insert(id) {
        DUPLICATES.fetch_add(1, Ordering::SeqCst);
    }
}

const ROUNDS: u64 = 200;
const THREADS: u64 = 16;

#[test]
fn no_call_that_returns_ok_goes_unanswered_whatever_its_race_with_shutdown() {
    let _turn = turn();
    let (mut unanswered, mut blocked, mut taken) = (0usize, 0usize, 0usize);
    for round in 0..ROUNDS {
        *ANSWERED.lock().unwrap() = Some(HashSet::new());
        assert_eq!(init(""), EVENTWIRE_OK);
        // SAFETY: a callback valid until shutdown.
        let status = unsafe { eventwire_set_response_callback(Some(record), std::ptr::null_mut()) };
        assert_eq!(status, EVENTWIRE_OK);
        // Every thread makes one call, then all go on together with shutdown.
        let started = std::sync::Arc::new(std::sync::Barrier::new(THREADS as usize + 1));
        let (done, finished) = mpsc::channel::<Vec<u64>>();
        for thread in 0..THREADS {
            let (started, done) = (std::sync::Arc::clone(&started), done.clone());
            std::thread::spawn(move || {
                // Threads 0-3 make synchronous calls, the others asynchronous ones, until the
                // library says it is not initialised.
                let request = ping();
                let mut accepted = Vec::new();
                for k in 0.. {
                    let id = (round << 40) | (thread << 24) | k;
                    let code = if thread < 4 {
                        let (code, response) = try_sync_call(&request);
                        assert_eq!(code == EVENTWIRE_OK, response.is_some());
                        code
                    } else {
                        let code = async_call(id, &request);
                        if code == EVENTWIRE_OK {
                            accepted.push(id);
                        }
                        code
                    };
                    if k == 0 {
                        started.wait();
                    }
                    match code {
                        EVENTWIRE_OK | EVENTWIRE_ERR_OVERLOADED => {}
                        EVENTWIRE_ERR_NOT_INITIALIZED => break,
                        other => panic!("unexpected return code {other}"),
                    }
                }
                let _ = done.send(accepted);
            });
        }
        drop(done);
        // Shut down while every thread is calling.
        started.wait();
        assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
        // Every thread returns (a synchronous call that never returns would keep one waiting;
        // 20 s only bound that failure).
        let mut accepted = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        for _ in 0..THREADS {
            match finished
                .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            {
                Ok(ids) => accepted.extend(ids),
                Err(_) => blocked += 1,
            }
        }
        if blocked > 0 {
            break;
        }
        // shutdown waited for every callback: what returned OK has been answered by now.
        let answered = ANSWERED.lock().unwrap().take().unwrap();
        taken += accepted.len();
        unanswered += accepted.iter().filter(|id| !answered.contains(id)).count();
        assert!(
            answered.len() <= accepted.len(),
            "answers for calls that were not taken"
        );
    }
    assert_eq!(
        (unanswered, blocked, DUPLICATES.load(Ordering::SeqCst)),
        (0, 0, 0),
        "of {taken} calls taken"
    );
    eprintln!(
        "{ROUNDS} rounds of {THREADS} threads racing shutdown: {taken} asynchronous calls taken, {unanswered} unanswered, {blocked} threads blocked"
    );
    assert!(taken > 0);
}

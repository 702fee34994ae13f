//! Who delivers the callbacks, and in which order (SPEC.md REQ-TRANS-CABI-10, -14, -17,
//! REQ-NOTIF-6, REQ-NOTIF-7): callbacks run one at a time, never on a thread that called in, a
//! handler's notifications reach the callback before its response, and a synchronous call's
//! answer does not wait behind a callback that blocks.
//!
//! Nothing here waits for time: every wait is for an event the test causes (a callback entering
//! its gate, a call returning). The 60 s bounds only turn a hang into a failure.
//!
//! The library is process-global, so the tests take turns.

// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_reference as _;
use std::{
    collections::{HashMap, HashSet},
    ffi::c_void,
    sync::{
        Condvar, Mutex,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    thread::ThreadId,
    time::Duration,
};

use eventwire::pb::{FfiResponse, SubscribeObject, subscribe_object::PayloadOneof};
use eventwire_conformance_module::pb::{
    EmitNotificationsPayloadPb, EmitNotificationsResultPb, TickPb,
};
use eventwire_ffi::*;

mod common;
use common::*;
use prost::Message;

const BOUND: Duration = Duration::from_secs(60);

fn emit(count: u32, id: &str) -> Vec<u8> {
    request(
        "EmitNotifications",
        &EmitNotificationsPayloadPb {
            count,
            id: id.into(),
            as_error: false,
        },
    )
}

// ---- What the callbacks saw, in the order they ran --------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Response {
        id: u64,
        code: i32,
    },
    /// A Tick: the session `seq`, the request's tag and the tick's index.
    Tick {
        seq: u64,
        tag: String,
        index: u32,
    },
}

static LOG: Mutex<Vec<Seen>> = Mutex::new(Vec::new());
static LOG_CHANGED: Condvar = Condvar::new();
/// The ids answered so far (what the calling threads wait on).
static ANSWERED: Mutex<Option<HashSet<u64>>> = Mutex::new(None);
static ANSWERED_CHANGED: Condvar = Condvar::new();
/// Callbacks running now, the most ever at once, and the threads they ran on.
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);
static CALLBACK_THREADS: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);

/// When set, the response callback for this id blocks until the gate opens.
static GATE: Mutex<Gate> = Mutex::new(Gate {
    blocked_id: None,
    entered: false,
    open: false,
});
static GATE_CHANGED: Condvar = Condvar::new();

struct Gate {
    blocked_id: Option<u64>,
    entered: bool,
    open: bool,
}

fn enter() {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_AT_ONCE.fetch_max(now, Ordering::SeqCst);
    CALLBACK_THREADS
        .lock()
        .unwrap()
        .get_or_insert_default()
        .insert(std::thread::current().id());
}

fn leave(seen: Seen) {
    let answered = if let Seen::Response { id, .. } = seen {
        Some(id)
    } else {
        None
    };
    LOG.lock().unwrap().push(seen);
    LOG_CHANGED.notify_all();
    // After the log: a caller that sees its answer here finds it in the log too.
    if let Some(id) = answered {
        ANSWERED.lock().unwrap().get_or_insert_default().insert(id);
        ANSWERED_CHANGED.notify_all();
    }
    RUNNING.fetch_sub(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_response(id: u64, bytes: *const u8, len: usize, _: *mut c_void) {
    enter();
    // SAFETY: as passed to this callback.
    let response = FfiResponse::decode(unsafe { take(bytes, len) }.as_slice()).unwrap();
    {
        let mut gate = GATE.lock().unwrap();
        if gate.blocked_id == Some(id) {
            gate.entered = true;
            GATE_CHANGED.notify_all();
            while !gate.open {
                gate = GATE_CHANGED.wait(gate).unwrap();
            }
        }
    }
    leave(Seen::Response {
        id,
        code: response.code,
    });
}

unsafe extern "C" fn on_notification(bytes: *const u8, len: usize, _: *mut c_void) {
    enter();
    // SAFETY: as passed to this callback.
    let object = SubscribeObject::decode(unsafe { take(bytes, len) }.as_slice()).unwrap();
    let Some(PayloadOneof::Payload(payload)) = &object.payload_oneof else {
        panic!("a Tick has a payload")
    };
    let tick = TickPb::decode(payload.as_slice()).unwrap();
    assert_eq!(tick.id, object.id);
    leave(Seen::Tick {
        seq: object.seq,
        tag: object.id,
        index: tick.index,
    });
}

fn reset() {
    LOG.lock().unwrap().clear();
    *ANSWERED.lock().unwrap() = Some(HashSet::new());
    MOST_AT_ONCE.store(0, Ordering::SeqCst);
    *CALLBACK_THREADS.lock().unwrap() = Some(HashSet::new());
    *GATE.lock().unwrap() = Gate {
        blocked_id: None,
        entered: false,
        open: false,
    };
}

fn start(config: &str) {
    reset();
    assert_eq!(init(config), EVENTWIRE_OK);
    // SAFETY: callbacks valid for the whole process.
    unsafe {
        assert_eq!(
            eventwire_set_response_callback(Some(on_response), std::ptr::null_mut()),
            EVENTWIRE_OK
        );
        assert_eq!(
            eventwire_set_notification_callback(Some(on_notification), std::ptr::null_mut()),
            EVENTWIRE_OK
        );
    }
}

/// Waits until `done` holds for the log.
fn wait_log(what: &str, done: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
    let log = LOG.lock().unwrap();
    let (log, timeout) = LOG_CHANGED
        .wait_timeout_while(log, BOUND, |log| !done(log))
        .unwrap();
    assert!(
        !timeout.timed_out(),
        "{what}: not seen; the callbacks saw {log:?}"
    );
    log.clone()
}

/// Waits until the asynchronous call `id` has been answered.
fn wait_answered(id: u64) {
    let answered = ANSWERED.lock().unwrap();
    let (_answered, timeout) = ANSWERED_CHANGED
        .wait_timeout_while(answered, BOUND, |a| {
            !a.as_ref().is_some_and(|a| a.contains(&id))
        })
        .unwrap();
    assert!(!timeout.timed_out(), "no answer to {id}");
}

fn responses(log: &[Seen]) -> usize {
    log.iter()
        .filter(|s| matches!(s, Seen::Response { .. }))
        .count()
}

/// Opens the gate when dropped, so that a failing test does not leave a callback blocked.
struct OpenOnDrop;

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        GATE.lock().unwrap_or_else(|e| e.into_inner()).open = true;
        GATE_CHANGED.notify_all();
        if std::thread::panicking() {
            let _ = eventwire_shutdown();
        }
    }
}

#[test]
fn a_sync_call_completes_while_a_callback_blocks() {
    let _turn = turn();
    start("");
    let _open = OpenOnDrop;
    GATE.lock().unwrap().blocked_id = Some(1);
    assert_eq!(async_call(1, &ping()), EVENTWIRE_OK);
    {
        let gate = GATE.lock().unwrap();
        let (gate, timeout) = GATE_CHANGED
            .wait_timeout_while(gate, BOUND, |g| !g.entered)
            .unwrap();
        assert!(
            !timeout.timed_out() && gate.entered,
            "the first callback never ran"
        );
    }
    // Behind the blocked callback: answers to asynchronous calls and another handler's
    // notifications are queued.
    for id in 2..=50 {
        assert_eq!(async_call(id, &ping()), EVENTWIRE_OK);
    }
    assert_eq!(async_call(51, &emit(3, "queued")), EVENTWIRE_OK);
    // A synchronous call on another thread gets its answer all the same, and so does one that
    // emits nothing after a handler that emitted.
    let (done, returned) = mpsc::channel();
    std::thread::spawn(move || {
        let pong = sync_call(&ping());
        let again = sync_call(&ping());
        let _ = done.send((pong.code, again.code));
    });
    let codes = returned
        .recv_timeout(BOUND)
        .expect("the synchronous calls waited behind the blocked callback");
    assert_eq!(codes, (0, 0));
    // Still blocked: nothing after the first callback has been delivered.
    assert!(LOG.lock().unwrap().is_empty());
    assert!(!GATE.lock().unwrap().open);

    // Released: everything queued is delivered, in order.
    GATE.lock().unwrap().open = true;
    GATE_CHANGED.notify_all();
    let log = wait_log("51 answers", |log| responses(log) == 51);
    let ids: Vec<u64> = log
        .iter()
        .filter_map(|s| {
            if let Seen::Response { id, .. } = s {
                Some(*id)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(ids[0], 1);
    let ticks_before_51 = log
        .iter()
        .take_while(|s| !matches!(s, Seen::Response { id: 51, .. }))
        .filter(|s| matches!(s, Seen::Tick { tag, .. } if tag == "queued"))
        .count();
    assert_eq!(
        ticks_before_51, 3,
        "request 51's notifications precede its response: {log:?}"
    );
    // A synchronous call that emits waits for its own notifications only: they are delivered
    // when it returns.
    let emitted = sync_call(&emit(2, "mine"));
    assert_eq!(
        EmitNotificationsResultPb::decode(emitted.payload.as_slice())
            .unwrap()
            .emitted,
        2
    );
    let mine = LOG
        .lock()
        .unwrap()
        .iter()
        .filter(|s| matches!(s, Seen::Tick { tag, .. } if tag == "mine"))
        .count();
    assert_eq!(mine, 2);
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    assert_eq!(
        MOST_AT_ONCE.load(Ordering::SeqCst),
        1,
        "callbacks overlapped"
    );
}

const THREADS: u64 = 8;
const ROUNDS: u64 = 150;
/// Asynchronous calls a thread keeps in flight.
const WINDOW: usize = 4;

/// What one thread asked for: tag -> (request id or 0 for a synchronous call, ticks asked).
type Asked = HashMap<String, (u64, u32)>;

fn stress_thread(thread: u64) -> (Asked, ThreadId) {
    let mut asked = Asked::new();
    let mut in_flight: Vec<u64> = Vec::new();
    for round in 0..ROUNDS {
        let id = (thread << 32) | (round + 1);
        let tag = format!("t{thread}-{round}");
        let count = ((thread + round) % 5) as u32;
        match round % 4 {
            // Every fourth call is synchronous: its own notifications are delivered when it
            // returns (REQ-TRANS-CABI-10), whatever else is queued.
            3 => {
                let response = sync_call(&emit(count, &tag));
                assert_eq!(response.code, 0);
                let log = LOG.lock().unwrap();
                let delivered = log
                    .iter()
                    .filter(|s| matches!(s, Seen::Tick { tag: t, .. } if *t == tag))
                    .count();
                assert_eq!(
                    delivered, count as usize,
                    "{tag}: returned before its notifications were delivered"
                );
                asked.insert(tag, (0, count));
            }
            1 => {
                assert_eq!(async_call(id, &ping()), EVENTWIRE_OK);
                in_flight.push(id);
            }
            _ => {
                assert_eq!(async_call(id, &emit(count, &tag)), EVENTWIRE_OK);
                asked.insert(tag, (id, count));
                in_flight.push(id);
            }
        }
        if in_flight.len() >= WINDOW {
            // Wait for the oldest of this thread's calls to be answered.
            wait_answered(in_flight.remove(0));
        }
    }
    for id in in_flight {
        wait_answered(id);
    }
    (asked, std::thread::current().id())
}

/// Many threads, asynchronous and synchronous calls, responses and notifications interleaved:
/// the order the callbacks saw obeys the invariants, whichever threads delivered.
#[test]
fn order_holds_with_many_threads_calling_at_once() {
    let _turn = turn();
    start("");
    let threads: Vec<_> = (0..THREADS)
        .map(|t| std::thread::spawn(move || stress_thread(t)))
        .collect();
    let mut asked = Asked::new();
    let mut callers = HashSet::from([std::thread::current().id()]);
    for thread in threads {
        let (a, id) = thread.join().expect("a calling thread failed");
        asked.extend(a);
        callers.insert(id);
    }
    let log = LOG.lock().unwrap().clone();
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);

    // Callbacks: one at a time, never on a thread that called in.
    assert_eq!(
        MOST_AT_ONCE.load(Ordering::SeqCst),
        1,
        "callbacks overlapped"
    );
    let ran_on = CALLBACK_THREADS.lock().unwrap().take().unwrap();
    assert!(
        ran_on.is_disjoint(&callers),
        "a callback ran on a calling thread"
    );

    // Notifications: numbered 1, 2, 3... in delivery order, none dropped (REQ-NOTIF-6).
    let seqs: Vec<u64> = log
        .iter()
        .filter_map(|s| {
            if let Seen::Tick { seq, .. } = s {
                Some(*seq)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let total_ticks: u32 = asked.values().map(|(_, c)| c).sum();
    assert_eq!(seqs.len(), total_ticks as usize);

    // Each asynchronous call answered exactly once; each request's ticks in index order, all of
    // them before its response (REQ-NOTIF-7).
    let mut answered: HashMap<u64, usize> = HashMap::new();
    let mut ticks: HashMap<&str, Vec<u32>> = HashMap::new();
    for (at, seen) in log.iter().enumerate() {
        match seen {
            Seen::Response { id, code } => {
                assert_eq!(*code, 0, "request {id} failed");
                answered.insert(*id, at);
            }
            Seen::Tick { tag, index, .. } => ticks.entry(tag.as_str()).or_default().push(*index),
        }
    }
    let responses = responses(&log);
    assert_eq!(
        responses,
        answered.len(),
        "an asynchronous call was answered twice"
    );
    assert_eq!(
        responses as u64,
        THREADS * (ROUNDS - ROUNDS / 4),
        "every asynchronous call answered"
    );
    for (tag, (id, count)) in &asked {
        let indices = ticks.get(tag.as_str()).cloned().unwrap_or_default();
        assert_eq!(indices, (0..*count).collect::<Vec<_>>(), "{tag}: ticks");
        if *id != 0 {
            let response_at = answered[id];
            let last_tick_at = log
                .iter()
                .rposition(|s| matches!(s, Seen::Tick { tag: t, .. } if t == tag));
            assert!(
                last_tick_at.is_none_or(|at| at < response_at),
                "{tag}: a tick after its response"
            );
        }
    }
    eprintln!(
        "{THREADS} threads x {ROUNDS} calls: {responses} asynchronous answers and {} notifications in order, delivered on {} library threads",
        seqs.len(),
        ran_on.len()
    );
}

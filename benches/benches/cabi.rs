//! The C ABI, benchmark (b): one asynchronous round trip from a foreign (non-tokio) thread.
//!
//! `c_abi`: `eventwire_async_call` with an encoded Ping, then wait until the response callback
//! (on the library's callback thread) hands the response back. `tokio_baseline`: the bare
//! mechanism underneath any such design, from the same kind of thread: send the request bytes
//! and a `oneshot` sender over a tokio `mpsc` to a task on a multi-threaded runtime, which
//! answers through the `oneshot`; `blocking_recv` waits for it.
//!
//! `three_hop_floor` is not the target's baseline: it is the floor of the C ABI's former design,
//! kept for comparison with earlier rounds (docs/PERFORMANCE.md). A task spawned on a
//! multi-threaded runtime per request (the worker that runs the handler) sends the bytes over a
//! tokio `mpsc` to a dedicated thread blocked in `blocking_recv` (the callback thread), which
//! hands them to the caller over a std channel (what the embedder's callback does here). The
//! library now runs the callback on the completing worker when no other callback is being
//! delivered (SPEC.md REQ-TRANS-CABI-14), two hops like `tokio_baseline`, so `c_abi` can beat it.

use std::{
    ffi::c_void,
    sync::{
        OnceLock,
        mpsc::{Receiver, Sender, channel},
    },
};

use divan::{Bencher, black_box};
use eventwire_bench::pb;
use eventwire_bench::{request, runtime};
// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_ffi::{
    EVENTWIRE_OK, eventwire_async_call, eventwire_free, eventwire_init,
    eventwire_set_response_callback,
};
use eventwire_reference as _;
use prost::Message;

fn main() {
    divan::main();
}

/// Each sample is one round trip of a few microseconds, dominated by thread wake-ups whose cost
/// varies with what else the machine runs: many samples make the median stable.
const SAMPLES: u32 = 1000;

/// Where the callback sends each response: (request id, status code).
type Answers = Sender<(u64, i32)>;

/// Called on the library's callback thread. The buffer is transferred to this callback, which
/// reads it and releases it with `eventwire_free`, as `include/eventwire.h` specifies for the
/// response callback (REQ-TRANS-CABI-12/14): a benchmark that kept it would leak one response
/// per iteration and measure the allocator's growth.
unsafe extern "C" fn on_response(
    request_id: u64,
    response: *const u8,
    len: usize,
    user_data: *mut c_void,
) {
    let bytes = if len == 0 {
        &[][..]
    } else {
        // SAFETY: the library passes `len` readable bytes at `response`.
        unsafe { std::slice::from_raw_parts(response, len) }
    };
    let code = pb::FfiResponse::decode(bytes).map_or(-1, |r| r.code);
    // SAFETY: `response`/`len` are a buffer the library transferred to this callback, released
    // exactly once here (NULL/0 for an empty response is accepted too).
    unsafe { eventwire_free(response.cast_mut(), len) };
    // SAFETY: `user_data` is the `Answers` leaked in `library()`, alive for the whole process.
    let answers = unsafe { &*user_data.cast::<Answers>() };
    let _ = answers.send((request_id, code));
}

/// Initialises the library once per process and returns the receiving end of the callback.
fn library() -> &'static std::sync::Mutex<Receiver<(u64, i32)>> {
    static ANSWERS: OnceLock<std::sync::Mutex<Receiver<(u64, i32)>>> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        let (tx, rx) = channel();
        let user_data = Box::into_raw(Box::new(tx)).cast::<c_void>();
        // SAFETY: defaults (null, 0); the callback and `user_data` live for the whole process.
        unsafe {
            assert_eq!(eventwire_init(std::ptr::null(), 0), EVENTWIRE_OK);
            assert_eq!(
                eventwire_set_response_callback(Some(on_response), user_data),
                EVENTWIRE_OK
            );
        }
        std::sync::Mutex::new(rx)
    })
}

#[divan::bench(sample_count = SAMPLES)]
fn c_abi(bencher: Bencher) {
    let answers = library().lock().unwrap();
    let ping = request("Ping", &());
    let mut id = 0u64;
    bencher.bench_local(|| {
        id += 1;
        // SAFETY: `ping` is a live buffer of `ping.len()` bytes for the duration of the call.
        let status = unsafe { eventwire_async_call(id, ping.as_ptr(), ping.len()) };
        assert_eq!(status, EVENTWIRE_OK);
        let (answered, code) = answers.recv().expect("a response");
        assert_eq!((answered, code), (id, pb::FfiStatusCode::Ok as i32));
    });
}

#[divan::bench(sample_count = SAMPLES)]
fn tokio_baseline(bencher: Bencher) {
    let rt = runtime();
    let (tx, mut rx) =
        tokio::sync::mpsc::unbounded_channel::<(Vec<u8>, tokio::sync::oneshot::Sender<Vec<u8>>)>();
    rt.spawn(async move {
        while let Some((request, reply)) = rx.recv().await {
            let _ = reply.send(request);
        }
    });
    let ping = request("Ping", &());
    bencher.bench_local(|| {
        let (reply, answer) = tokio::sync::oneshot::channel();
        tx.send((black_box(&ping).clone(), reply)).unwrap();
        answer.blocking_recv().expect("an answer")
    });
}

#[divan::bench(sample_count = SAMPLES)]
fn three_hop_floor(bencher: Bencher) {
    let rt = runtime();
    let (to_thread, mut at_thread) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let (to_caller, at_caller) = channel::<Vec<u8>>();
    let thread = std::thread::spawn(move || {
        while let Some(bytes) = at_thread.blocking_recv() {
            if to_caller.send(bytes).is_err() {
                return;
            }
        }
    });
    let ping = request("Ping", &());
    bencher.bench_local(|| {
        let to_thread = to_thread.clone();
        let bytes = black_box(&ping).clone();
        rt.spawn(async move {
            let _ = to_thread.send(bytes);
        });
        at_caller.recv().expect("an answer")
    });
    drop(to_thread);
    thread.join().expect("the delivery thread");
}

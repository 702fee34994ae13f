//! Allocations per dispatched request, counted by a counting global allocator: no more than
//! before round three (13 per SignIn by this count, every allocation on the calling thread,
//! the handler's own included; its floor makes 11), and at most the two the dispatcher adds to
//! its floor (the boxed handler future and the notifier's emission path; the response envelope
//! is one allocation fewer than the floor's two). Counted on this thread only, so runtime worker threads and the
//! test harness do not disturb the count; the handlers of these requests do not wait, so the
//! whole request runs on this thread.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
};

use eventwire_bench::{DirectUsers, dispatcher, pb, poll_now, request, runtime, sign_in_payload};
use prost::Message;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static REALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counters are thread-local cells and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: as for `dealloc`; `new_size` is the caller's, under `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations (and reallocations) per call of `f`, over `n` calls after a warm-up.
fn per_call(n: u64, mut f: impl FnMut()) -> f64 {
    for _ in 0..10 {
        f();
    }
    let before = ALLOCATIONS.with(Cell::get);
    let re_before = REALLOCATIONS.with(Cell::get);
    for _ in 0..n {
        f();
    }
    let reallocations = REALLOCATIONS.with(Cell::get) - re_before;
    (ALLOCATIONS.with(Cell::get) - before + reallocations) as f64 / n as f64
}

#[test]
fn a_sign_in_dispatch_allocates_no_more_than_before_round_three() {
    let rt = runtime();
    let dispatcher = dispatcher(&rt);
    let direct = DirectUsers::new(&rt);
    let sign_in = request("SignIn", &sign_in_payload());
    let payload = sign_in_payload().encode_to_vec();
    let _context = rt.enter();

    let dispatch = per_call(1000, || {
        let response = poll_now(&rt, dispatcher.dispatch(&sign_in));
        assert_eq!(
            pb::FfiResponse::decode(response.as_slice()).unwrap().code,
            0
        );
    });
    let waker = std::task::Waker::noop();
    let floor = per_call(1000, || {
        use std::future::Future;
        let input = pb::SignInPayloadPb::decode(payload.as_slice()).unwrap();
        let future = std::pin::pin!(eventwire_sample_app::handlers::user::UserHandlers::sign_in(
            &*direct.users,
            &direct.cx,
            input
        ));
        let std::task::Poll::Ready(output) =
            future.poll(&mut std::task::Context::from_waker(waker))
        else {
            unreachable!("sign_in does not wait")
        };
        let response = pb::FfiResponse {
            payload: output.unwrap().encode_to_vec(),
            code: pb::FfiStatusCode::Ok as i32,
        }
        .encode_to_vec();
        assert!(!response.is_empty());
    });
    eprintln!("allocations per SignIn: dispatch {dispatch}, floor {floor}");
    assert!(
        dispatch <= 13.0,
        "SignIn dispatch: {dispatch} allocations per request, more than 13"
    );
    assert!(
        dispatch <= floor + 2.0,
        "SignIn dispatch: {dispatch} allocations per request, its floor {floor}"
    );
    // The count is real: a request allocates at least its response.
    assert!(dispatch >= 1.0 && floor >= 1.0);
}

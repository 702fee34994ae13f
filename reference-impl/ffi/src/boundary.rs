//! The C boundary: every export runs inside [`guard`], so a panic becomes a return code instead
//! of unwinding into C (which is undefined behaviour).

use std::{
    cell::Cell,
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{Mutex, MutexGuard},
};

use crate::abi::EVENTWIRE_ERR_INTERNAL;

/// Runs `f`, turning a panic into `EVENTWIRE_ERR_INTERNAL`.
///
/// Asserting unwind safety is sound here because every piece of state `f` can touch sits behind
/// a [`lock`]ed mutex whose data stays consistent at every point a panic could occur.
pub(crate) fn guard(f: impl FnOnce() -> i32) -> i32 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(EVENTWIRE_ERR_INTERNAL)
}

/// Locks `m`, ignoring poisoning: a panic caught at the boundary must leave the library usable
/// (REQ-TRANS-CABI-2), and no critical section here leaves its data half-updated.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    static ON_DELIVERY_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as the library's callback thread.
pub(crate) fn enter_delivery_thread() {
    ON_DELIVERY_THREAD.with(|f| f.set(true));
}

/// Whether the caller is running inside a callback: a blocking call from there would wait for
/// the very thread it blocks (REQ-TRANS-CABI-9).
pub(crate) fn on_delivery_thread() -> bool {
    ON_DELIVERY_THREAD.with(Cell::get)
}

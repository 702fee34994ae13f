//! The C boundary: every export runs inside [`guard`], so a panic becomes a return code instead
//! of unwinding into C (which is undefined behaviour).

use std::{
    cell::Cell,
    panic::{AssertUnwindSafe, catch_unwind},
};

use crate::abi::EVENTWIRE_ERR_INTERNAL;

/// Runs `f`, turning a panic into `EVENTWIRE_ERR_INTERNAL`.
///
/// Asserting unwind safety is sound here because every piece of state `f` can touch sits behind
/// a mutex locked with [`eventwire::sync::lock`] (which ignores poisoning, so a panic caught here
/// leaves the library usable, REQ-TRANS-CABI-2), and that data stays consistent at every point a
/// panic could occur.
pub(crate) fn guard(f: impl FnOnce() -> i32) -> i32 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(EVENTWIRE_ERR_INTERNAL)
}

thread_local! {
    /// Set on the library's callback thread for good, and on a worker while it delivers.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
    /// Set on the threads of the library's own runtime.
    static ON_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as the library's callback thread: everything it runs is a callback.
pub(crate) fn enter_delivery_thread() {
    IN_CALLBACK.with(|f| f.set(true));
}

/// Marks the current thread as one of the library's runtime threads (`on_thread_start`).
pub(crate) fn enter_worker() {
    ON_WORKER.with(|f| f.set(true));
}

/// Whether the current thread belongs to the library's runtime: a thread the library owns and
/// that never called into it, where a callback may run (REQ-TRANS-CABI-14).
pub(crate) fn on_worker() -> bool {
    ON_WORKER.with(Cell::get)
}

/// Marks the current thread as running callbacks until dropped (a worker delivering).
pub(crate) struct CallbackScope {
    was: bool,
}

impl CallbackScope {
    pub(crate) fn enter() -> Self {
        CallbackScope {
            was: IN_CALLBACK.with(|f| f.replace(true)),
        }
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        IN_CALLBACK.with(|f| f.set(self.was));
    }
}

/// Whether the caller is running inside a callback: a blocking call from there could wait for
/// the very delivery it blocks (REQ-TRANS-CABI-9).
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

//! Cancelling one request from outside the dispatcher (a front end's cancel call).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::Notify;

/// Cancels the request it was given to (via [`RequestOptions::cancel`](crate::RequestOptions)).
/// Cancelling before the handler finishes answers the request `CANCELLED` and drops the handler's
/// future; cancelling after it finished does nothing. Cloning shares the handle.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelHandle {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation. Idempotent.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once [`cancel`](Self::cancel) has been called.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.notify.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the flag is read, so a cancel in between is not missed.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

impl CancelHandle {
    /// Whether both are the same handle (clones of one another).
    pub(crate) fn same(&self, other: &CancelHandle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

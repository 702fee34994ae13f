//! Runs a handler's future to its one outcome, in the caller's task.
//!
//! The handler is polled inline (inside the dispatcher's runtime context, so what it spawns and
//! its timers belong to that runtime), each poll inside `catch_unwind`, so a panic becomes an
//! `INTERNAL` answer exactly as if the handler ran as its own task. Most handlers finish on
//! their first poll; only one that waits gets a deadline timer and a cancellation waiter, and
//! then the three race with the handler first, as before.

use std::{
    future::poll_fn,
    panic::{AssertUnwindSafe, catch_unwind},
    task::{Context as TaskContext, Poll},
    time::Duration,
};

use eventwire_schema::pb::FlowyError;
use tokio::{runtime::Handle, time::Instant};

use super::{cancelled, panicked, timed_out};
use crate::{cancel::CancelHandle, registry::HandlerFuture};

/// Starts the handler (`start`: decode the input, build the future), then runs it to its
/// outcome, its timeout or its cancellation, whichever is decided first. Starting and the first
/// poll share one entry into the runtime's context.
#[cfg(test)]
pub(super) async fn supervise(
    start: impl FnOnce() -> Result<HandlerFuture, FlowyError>,
    event: &'static str,
    cancel: Option<&CancelHandle>,
    deadline: Duration,
    runtime: &Handle,
) -> Result<Vec<u8>, FlowyError> {
    let started = Instant::now();
    let mut start = Some(start);
    let first = poll_fn(|cx| {
        let start = start.take().expect("the first poll_fn is polled once");
        Poll::Ready(first_poll(start, event, cancel, runtime, cx))
    })
    .await;
    match first {
        First::Done(outcome) => outcome,
        First::Waiting(waiting) => waiting.wait(cancel, started, deadline).await,
    }
}

/// The outcome of a handler's start and first poll.
pub(super) enum First<'a> {
    /// Decided: the handler's outcome, or the error that stopped it.
    Done(Result<Vec<u8>, FlowyError>),
    /// The handler waits; [`Waiting::wait`] runs it on.
    Waiting(Waiting<'a>),
}

/// Starts the handler and polls it once with the caller's task context `cx`, so that a handler
/// that finishes at once costs no timer, no waiter and no further future. If it waits, `cx`'s
/// waker is registered and [`Waiting::wait`] does not poll it again before it is woken.
pub(super) fn first_poll<'a>(
    start: impl FnOnce() -> Result<HandlerFuture, FlowyError>,
    event: &'static str,
    cancel: Option<&CancelHandle>,
    runtime: &'a Handle,
    cx: &mut TaskContext<'_>,
) -> First<'a> {
    let _runtime = runtime.enter();
    let mut guarded = Guarded {
        future: None,
        runtime,
        event,
    };
    match catch_unwind(AssertUnwindSafe(start)) {
        Ok(Ok(future)) => guarded.future = Some(future),
        Ok(Err(error)) => return First::Done(Err(error)),
        Err(_) => return First::Done(Err(panicked(event))),
    }
    if cancel.is_some_and(CancelHandle::is_cancelled) {
        guarded.drop_in_context();
        return First::Done(Err(cancelled()));
    }
    match guarded.poll_in_context(cx) {
        Poll::Ready(outcome) => First::Done(outcome),
        Poll::Pending => First::Waiting(Waiting { guarded }),
    }
}

/// A handler that waited on its first poll (its waker registered).
pub(super) struct Waiting<'a> {
    guarded: Guarded<'a>,
}

impl Waiting<'_> {
    /// Races the handler against its deadline (`deadline` after `started`) and `cancel`.
    pub(super) async fn wait(
        self,
        cancel: Option<&CancelHandle>,
        started: Instant,
        deadline: Duration,
    ) -> Result<Vec<u8>, FlowyError> {
        let mut guarded = self.guarded;
        let runtime = guarded.runtime;
        let event = guarded.event;
        let mut registered = true;
        let handler = poll_fn(|cx| {
            if std::mem::take(&mut registered) {
                return Poll::Pending;
            }
            let _runtime = runtime.enter();
            guarded.poll_in_context(cx)
        });
        let cancelled_by_caller = async {
            match cancel {
                Some(cancel) => cancel.cancelled().await,
                None => std::future::pending().await,
            }
        };
        let timer = {
            let _runtime = runtime.enter();
            tokio::time::sleep_until(started + deadline)
        };
        tokio::select! {
            biased;
            outcome = handler => outcome,
            () = cancelled_by_caller => Err(cancelled()),
            () = timer => Err(timed_out(event, deadline)),
        }
    }
}

/// The handler's future, polled and dropped so that no panic of the handler reaches the caller.
struct Guarded<'a> {
    future: Option<HandlerFuture>,
    runtime: &'a Handle,
    event: &'static str,
}

impl Guarded<'_> {
    /// Polls the handler; the caller has entered the runtime's context.
    fn poll_in_context(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<Vec<u8>, FlowyError>> {
        let Some(future) = self.future.as_mut() else {
            return Poll::Ready(Err(panicked(self.event)));
        };
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => {
                self.drop_in_context();
                Poll::Ready(outcome)
            }
            Err(_) => {
                self.drop_in_context();
                Poll::Ready(Err(panicked(self.event)))
            }
        }
    }

    /// Drops the handler's future; the caller has entered the runtime's context.
    fn drop_in_context(&mut self) {
        if let Some(future) = self.future.take() {
            // A handler whose drop panics is answered like one whose poll did.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(future)));
        }
    }
}

impl Drop for Guarded<'_> {
    /// On timeout, cancellation, or the caller giving up, the handler's future is dropped here.
    fn drop(&mut self) {
        if self.future.is_some() {
            let _runtime = self.runtime.enter();
            self.drop_in_context();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
        task::{Wake, Waker},
        thread::Thread,
    };

    use eventwire_schema::pb::ErrorCode;

    use super::*;

    /// Runs `future` on the calling thread with no tokio context at all, as a foreign executor
    /// would: whatever the handler needs from tokio must come from the dispatcher's runtime.
    fn block_on_plain_thread<F: Future>(future: F) -> F::Output {
        struct Unpark(Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = TaskContext::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            std::thread::park();
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    fn run(
        future: HandlerFuture,
        deadline: Duration,
        cancel: Option<&CancelHandle>,
    ) -> Result<Vec<u8>, FlowyError> {
        let rt = runtime();
        let handle = rt.handle().clone();
        block_on_plain_thread(supervise(
            move || Ok(future),
            "Test",
            cancel,
            deadline,
            &handle,
        ))
    }

    fn code(result: Result<Vec<u8>, FlowyError>) -> i32 {
        result.expect_err("an error").code
    }

    const LONG: Duration = Duration::from_secs(30);

    #[test]
    fn a_handler_that_finishes_at_once_wins_even_against_a_zero_deadline() {
        assert_eq!(
            run(Box::pin(async { Ok(vec![1]) }), Duration::ZERO, None),
            Ok(vec![1])
        );
    }

    #[test]
    fn panics_on_the_first_and_on_a_later_poll_are_answered_internal() {
        let first: HandlerFuture = Box::pin(async { panic!("first poll") });
        assert_eq!(code(run(first, LONG, None)), ErrorCode::Internal as i32);
        let later: HandlerFuture = Box::pin(async {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
            panic!("later poll")
        });
        assert_eq!(code(run(later, LONG, None)), ErrorCode::Internal as i32);
    }

    #[test]
    fn handlers_spawn_and_sleep_on_the_dispatchers_runtime_whoever_polls() {
        let future: HandlerFuture = Box::pin(async {
            let spawned = tokio::spawn(async {
                tokio::time::sleep(Duration::from_millis(2)).await;
                7u8
            });
            Ok(vec![spawned.await.unwrap()])
        });
        assert_eq!(run(future, LONG, None), Ok(vec![7]));
    }

    #[test]
    fn a_waiting_handler_times_out_and_is_dropped_even_if_its_drop_panics() {
        struct PanicsOnDrop(Arc<AtomicBool>);
        impl Drop for PanicsOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
                panic!("drop");
            }
        }
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = PanicsOnDrop(Arc::clone(&dropped));
        let future: HandlerFuture = Box::pin(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(Vec::new())
        });
        let result = run(future, Duration::from_millis(20), None);
        assert_eq!(code(result), ErrorCode::RequestTimeout as i32);
        assert!(
            dropped.load(Ordering::SeqCst),
            "the handler's future was dropped"
        );
    }

    #[test]
    fn cancelling_a_waiting_handler_answers_cancelled() {
        let cancel = CancelHandle::new();
        let trigger = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            trigger.cancel();
        });
        let future: HandlerFuture = Box::pin(std::future::pending());
        assert_eq!(
            code(run(future, LONG, Some(&cancel))),
            ErrorCode::Cancelled as i32
        );
    }
}

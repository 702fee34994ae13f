//! Delivery: the embedder's callbacks are invoked one at a time, in the order of the session's one
//! ordered outbound queue (REQ-TRANS-CABI-14). Because a handler's notifications enter that queue
//! before its response, C sees them first (SPEC.md section 9.3).
//!
//! Whoever holds the *delivery role* (the [`Delivery::role`] mutex, which owns the session's
//! receiver) delivers, taking messages from the queue in order; so callbacks never overlap and
//! never leave the queue's order, whichever thread runs them. Two kinds of thread take the role:
//!
//! - The worker that completed a request (told by the session's [`QueueHook`] with
//!   [`Queued::Response`]) takes it if it is free (`try_lock`) and delivers what is queued on
//!   the spot: a response reaches C with one thread wake-up fewer than through a second thread
//!   (SPEC.md's C ABI section, and docs/PERFORMANCE.md (b)). It delivers at most
//!   [`WORKER_BATCH`] messages before handing the rest on.
//! - The library's callback thread, woken for everything else (notifications, refusals the
//!   library makes itself, the end of the queue) and whenever a worker found the role taken or
//!   left messages behind. It blocks on the role, so it delivers once the holder is done.
//!
//! Every message queued is followed by a hook call; a hook call that does not deliver wakes the
//! callback thread, so nothing stays queued with nobody to deliver it. At most one worker is
//! inside a callback at a time, and the runtime has one worker more than cores, so a callback that
//! blocks never stops the handlers.
//!
//! Synchronous calls are not answered through the queue: their answer goes straight to the
//! waiting thread ([`eventwire::Session::try_submit_with_reply`]), which then waits only until
//! the notifications its own handler queued have been delivered ([`Delivery::wait_handled`],
//! REQ-TRANS-CABI-10, -17).
//!
//! Each buffer passed to a callback is transferred to the embedder ([`crate::buffer`]): a front
//! end whose callbacks run after the native call has returned (Dart's `NativeCallable.listener`)
//! still reads valid memory, and releases it with `eventwire_free`.

use std::{
    collections::HashMap,
    ffi::c_void,
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{
        Condvar, Mutex, TryLockError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
};

use eventwire::{Outbound, Queued, SessionReceiver, TryRecvError, pb::SubscribeObject, sync::lock};
use prost::Message;

use crate::{
    boundary::{CallbackScope, enter_delivery_thread, in_callback, on_worker},
    buffer,
};

/// The most messages a worker delivers in one go before it leaves the rest to the callback
/// thread and goes back to running handlers.
pub(crate) const WORKER_BATCH: usize = 32;

type ResponseFn = unsafe extern "C" fn(u64, *const u8, usize, *mut c_void);
type NotificationFn = unsafe extern "C" fn(*const u8, usize, *mut c_void);

/// The embedder's `user_data`, handed back to its callback untouched.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);

// SAFETY: the library never dereferences the pointer; it only passes it back to the embedder's
// callback on one of the library's threads, which is what the embedder asked for when installing it.
unsafe impl Send for UserData {}

/// Who waits for the response to an internal id. (A synchronous call is answered to its thread
/// directly and has no entry; it only takes an internal id, [`Calls::reserve`].)
pub(crate) enum Pending {
    /// The embedder's asynchronous call with this id: answered through the response callback.
    Async { request_id: u64 },
    /// An asynchronous call the library refused before the dispatcher saw it (its id may be in
    /// flight already, so it is not recorded as the id's call): answered through the response
    /// callback with the refusal.
    Refused { request_id: u64 },
}

/// The calls in flight. Internal ids keep synchronous calls and the embedder's ids (which may be
/// any `u64`, and which the embedder must not reuse while in flight) apart.
#[derive(Default)]
pub(crate) struct Calls {
    next_internal: u64,
    pending: HashMap<u64, Pending>,
    /// Embedder id of each asynchronous call in flight -> its internal id.
    async_ids: HashMap<u64, u64>,
}

impl Calls {
    /// Registers a call; `None` when it is an asynchronous call whose id is still in flight.
    pub(crate) fn register(&mut self, pending: Pending) -> Option<u64> {
        if let Pending::Async { request_id } = pending {
            if self.async_ids.contains_key(&request_id) {
                return None;
            }
        }
        self.next_internal += 1;
        let internal = self.next_internal;
        if let Pending::Async { request_id } = pending {
            self.async_ids.insert(request_id, internal);
        }
        self.pending.insert(internal, pending);
        Some(internal)
    }

    /// A fresh internal id with nothing registered under it (a synchronous call).
    pub(crate) fn reserve(&mut self) -> u64 {
        self.next_internal += 1;
        self.next_internal
    }

    /// The internal id of the embedder's asynchronous call `request_id`, if in flight.
    pub(crate) fn internal_id(&self, request_id: u64) -> Option<u64> {
        self.async_ids.get(&request_id).copied()
    }

    /// Forgets the call `internal`: answered, or never taken by the session.
    pub(crate) fn complete(&mut self, internal: u64) -> Option<Pending> {
        let pending = self.pending.remove(&internal)?;
        if let Pending::Async { request_id } = pending {
            self.async_ids.remove(&request_id);
        }
        Some(pending)
    }
}

/// What the deliverers share with the exported functions.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) calls: Mutex<Calls>,
    pub(crate) response_cb: Mutex<Option<(ResponseFn, UserData)>>,
    pub(crate) notification_cb: Mutex<Option<(NotificationFn, UserData)>>,
}

/// The notification callback's `seq` numbering. The session numbers every notification; while no
/// callback is installed the library discards them, and they must not consume `seq` values
/// (REQ-TRANS-CABI-5), so the numbers C sees are the session's with those removed. Gaps the
/// session made by dropping notifications (a full queue) are kept.
#[derive(Default)]
struct Numbering {
    last_session_seq: u64,
    delivered_seq: u64,
}

impl Numbering {
    /// The `seq` to show for the session's notification `session_seq`, or `None` to discard it.
    fn next(&mut self, session_seq: u64, installed: bool) -> Option<u64> {
        let dropped = session_seq.saturating_sub(self.last_session_seq.saturating_add(1));
        self.last_session_seq = session_seq;
        installed.then(|| {
            self.delivered_seq += dropped + 1;
            self.delivered_seq
        })
    }
}

/// The session's receiver and what delivering needs, owned by whoever holds the role.
struct Deliverer {
    outbound: SessionReceiver,
    numbering: Numbering,
}

/// How a round of delivering ended.
enum Drained {
    /// Nothing more is queued.
    Empty,
    /// The session has ended: nothing more will come.
    Ended,
    /// The batch is full; more may be queued.
    More,
}

/// The wake-up flag of the callback thread.
#[derive(Default)]
struct Wake {
    pending: bool,
    sleeping: bool,
}

/// Who delivers, and how the others learn of it.
pub(crate) struct Delivery {
    registry: std::sync::Arc<Registry>,
    /// The delivery role: `None` before the session is attached and after it has ended.
    role: Mutex<Option<Deliverer>>,
    wake: Mutex<Wake>,
    woken: Condvar,
    /// The session `seq` of the last notification delivered (or discarded), and the synchronous
    /// calls waiting for it to reach theirs.
    handled_seq: AtomicU64,
    seq_waiters: AtomicUsize,
    seq_lock: Mutex<()>,
    seq_changed: Condvar,
}

impl Delivery {
    pub(crate) fn new(registry: std::sync::Arc<Registry>) -> Self {
        Delivery {
            registry,
            role: Mutex::new(None),
            wake: Mutex::new(Wake::default()),
            woken: Condvar::new(),
            handled_seq: AtomicU64::new(0),
            seq_waiters: AtomicUsize::new(0),
            seq_lock: Mutex::new(()),
            seq_changed: Condvar::new(),
        }
    }

    /// Hands the session's receiver to the deliverers.
    pub(crate) fn attach(&self, outbound: SessionReceiver) {
        *lock(&self.role) = Some(Deliverer {
            outbound,
            numbering: Numbering::default(),
        });
        // Anything queued before now has only signalled.
        self.signal();
    }

    /// The session's hook: a worker that just queued its response delivers if nobody else is;
    /// everything else wakes the callback thread.
    pub(crate) fn queued(&self, what: Queued) {
        if what == Queued::Response && on_worker() && !in_callback() {
            self.deliver_here();
        } else {
            self.signal();
        }
    }

    /// Delivers on the current (worker) thread if the role is free; otherwise, or when messages
    /// are left behind, wakes the callback thread.
    fn deliver_here(&self) {
        let mut role = match self.role.try_lock() {
            Ok(role) => role,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return self.signal(),
        };
        let Some(deliverer) = role.as_mut() else {
            return self.signal();
        };
        let drained = {
            let _scope = CallbackScope::enter();
            self.drain(deliverer, WORKER_BATCH)
        };
        drop(role);
        if !matches!(drained, Drained::Empty) {
            self.signal();
        }
    }

    /// Wakes the callback thread (cheaply when it is awake already). Takes only the wake lock,
    /// so it may be called with any session lock held.
    fn signal(&self) {
        let mut wake = lock(&self.wake);
        wake.pending = true;
        if wake.sleeping {
            self.woken.notify_one();
        }
    }

    /// The body of the callback thread; returns once the session has ended (closed, and every
    /// call answered) and everything queued has been delivered.
    pub(crate) fn run(&self) {
        enter_delivery_thread();
        loop {
            {
                let mut wake = lock(&self.wake);
                while !wake.pending {
                    wake.sleeping = true;
                    wake = self.woken.wait(wake).unwrap_or_else(|e| e.into_inner());
                    wake.sleeping = false;
                }
                wake.pending = false;
            }
            // Waits for a worker that is delivering: the callbacks never overlap.
            let mut role = lock(&self.role);
            let Some(deliverer) = role.as_mut() else {
                continue;
            };
            if let Drained::Ended = self.drain(deliverer, usize::MAX) {
                // Dropping the receiver here also breaks the session -> hook -> delivery cycle.
                *role = None;
                return;
            }
        }
    }

    /// Delivers up to `limit` queued messages in order, with the role held.
    fn drain(&self, deliverer: &mut Deliverer, limit: usize) -> Drained {
        for _ in 0..limit {
            let message = match deliverer.outbound.try_recv() {
                Ok(message) => message,
                Err(TryRecvError::Empty) => return Drained::Empty,
                Err(TryRecvError::Ended) => return Drained::Ended,
            };
            let seq = match &message {
                Outbound::Notification { seq, .. } => Some(*seq),
                Outbound::Response { .. } => None,
            };
            // Nothing below is expected to panic; if something does, delivering goes on.
            let delivered = catch_unwind(AssertUnwindSafe(|| {
                deliver(message, &self.registry, &mut deliverer.numbering)
            }));
            if delivered.is_err() {
                eprintln!("eventwire: a panic was caught while delivering a callback");
            }
            if let Some(seq) = seq {
                self.handled(seq);
            }
        }
        Drained::More
    }

    /// Records that the notification `seq` has been delivered, and wakes synchronous calls
    /// waiting for it.
    fn handled(&self, seq: u64) {
        self.handled_seq.store(seq, Ordering::SeqCst);
        if self.seq_waiters.load(Ordering::SeqCst) > 0 {
            let _lock = lock(&self.seq_lock);
            self.seq_changed.notify_all();
        }
    }

    /// Blocks until the notification `seq` (the session's numbering) has been delivered: a
    /// synchronous call's own notifications reach the callback before the call returns
    /// (REQ-TRANS-CABI-10). Every queued notification is delivered, also when the session ends.
    pub(crate) fn wait_handled(&self, seq: u64) {
        if self.handled_seq.load(Ordering::SeqCst) >= seq {
            return;
        }
        self.seq_waiters.fetch_add(1, Ordering::SeqCst);
        let mut waiting = lock(&self.seq_lock);
        while self.handled_seq.load(Ordering::SeqCst) < seq {
            waiting = self
                .seq_changed
                .wait(waiting)
                .unwrap_or_else(|e| e.into_inner());
        }
        drop(waiting);
        self.seq_waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

fn deliver(message: Outbound, registry: &Registry, numbering: &mut Numbering) {
    match message {
        Outbound::Response {
            request_id: internal,
            response,
        } => {
            // Forgotten before the callback runs, so that the callback may reuse the id.
            let pending = lock(&registry.calls).complete(internal);
            match pending {
                Some(Pending::Async { request_id } | Pending::Refused { request_id }) => {
                    respond(registry, request_id, response)
                }
                None => {}
            }
        }
        Outbound::Notification {
            seq,
            subscribe_object,
        } => {
            let callback = *lock(&registry.notification_cb);
            let Some(seq) = numbering.next(seq, callback.is_some()) else {
                return;
            };
            let Some((callback, user_data)) = callback else {
                return;
            };
            let (ptr, len) = buffer::into_raw(renumber(subscribe_object, seq));
            // SAFETY: the embedder installed `callback` through eventwire_set_notification_callback,
            // whose contract is that it may be called from the library's threads, one callback at
            // a time, with these arguments; the buffer now belongs to the embedder, who frees it.
            unsafe { callback(ptr, len, user_data.0) };
        }
    }
}

fn respond(registry: &Registry, request_id: u64, response: Vec<u8>) {
    // An asynchronous call is only accepted with a callback installed, and a callback can be
    // replaced but not removed, so there is always one here.
    let Some((callback, user_data)) = *lock(&registry.response_cb) else {
        return;
    };
    let (ptr, len) = buffer::into_raw(response);
    // SAFETY: the embedder installed `callback` through eventwire_set_response_callback, whose
    // contract is that it may be called from the library's threads, one callback at a time, with
    // these arguments;
    // the buffer now belongs to the embedder, who frees it.
    unsafe { callback(request_id, ptr, len, user_data.0) };
}

fn renumber(subscribe_object: Vec<u8>, seq: u64) -> Vec<u8> {
    match SubscribeObject::decode(subscribe_object.as_slice()) {
        Ok(mut object) if object.seq != seq => {
            object.seq = seq;
            object.encode_to_vec()
        }
        _ => subscribe_object,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_skips_discarded_notifications_and_keeps_drop_gaps() {
        let mut n = Numbering::default();
        assert_eq!(n.next(1, true), Some(1));
        assert_eq!(n.next(2, false), None);
        assert_eq!(n.next(3, false), None);
        assert_eq!(n.next(4, true), Some(2));
        // The session dropped 5 and 6 (full queue): the gap stays visible.
        assert_eq!(n.next(7, true), Some(5));
    }

    #[test]
    fn duplicate_async_ids_are_refused_until_answered() {
        let mut calls = Calls::default();
        let first = calls.register(Pending::Async { request_id: 9 }).unwrap();
        assert!(calls.register(Pending::Async { request_id: 9 }).is_none());
        assert_eq!(calls.internal_id(9), Some(first));
        assert!(matches!(
            calls.complete(first),
            Some(Pending::Async { request_id: 9 })
        ));
        assert_eq!(calls.internal_id(9), None);
        assert!(calls.register(Pending::Async { request_id: 9 }).is_some());
    }

    #[test]
    fn refusals_do_not_touch_the_ids_in_flight() {
        let mut calls = Calls::default();
        let first = calls.register(Pending::Async { request_id: 9 }).unwrap();
        let refusal = calls.register(Pending::Refused { request_id: 9 }).unwrap();
        assert_ne!(first, refusal);
        assert!(matches!(
            calls.complete(refusal),
            Some(Pending::Refused { request_id: 9 })
        ));
        assert_eq!(
            calls.internal_id(9),
            Some(first),
            "the call in flight is still cancellable"
        );
    }
}

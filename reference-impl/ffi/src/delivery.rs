//! The callback thread: one library-owned thread drains the session's ordered outbound queue and
//! invokes the embedder's callbacks one at a time (REQ-TRANS-CABI-14). Because a handler's
//! notifications enter that queue before its response, C sees them first (SPEC.md section 9.3).
//!
//! The thread blocks on the session's receiver itself: a response travels from the worker that
//! ran the handler straight to this thread, one wake-up, with no task in between. Refusals the
//! library makes without the dispatcher (an unreadable request, a duplicate id) are queued on the
//! same session ([`eventwire::Session::answer`]), so they too keep their place in the order.
//!
//! Each buffer passed to a callback is transferred to the embedder ([`crate::buffer`]): a front
//! end whose callbacks run after the native call has returned (Dart's `NativeCallable.listener`)
//! still reads valid memory, and releases it with `eventwire_free`.

use std::{
    collections::HashMap,
    ffi::c_void,
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{Mutex, mpsc::SyncSender},
};

use eventwire::{Outbound, SessionReceiver, pb::SubscribeObject};
use prost::Message;

use crate::{
    boundary::{enter_delivery_thread, lock},
    buffer,
};

type ResponseFn = unsafe extern "C" fn(u64, *const u8, usize, *mut c_void);
type NotificationFn = unsafe extern "C" fn(*const u8, usize, *mut c_void);

/// The embedder's `user_data`, handed back to its callback untouched.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);

// SAFETY: the library never dereferences the pointer; it only passes it back to the embedder's
// callback on the callback thread, which is what the embedder asked for when installing it.
unsafe impl Send for UserData {}

/// Who waits for the response to an internal id.
pub(crate) enum Pending {
    /// The embedder's asynchronous call with this id: answered through the response callback.
    Async { request_id: u64 },
    /// A blocked `eventwire_sync_call`.
    Sync(SyncSender<Vec<u8>>),
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

/// What the callback thread shares with the exported functions.
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

/// The body of the callback thread; returns once the session has ended (closed, and every call
/// answered).
pub(crate) fn run(mut outbound: SessionReceiver, registry: std::sync::Arc<Registry>) {
    enter_delivery_thread();
    let mut numbering = Numbering::default();
    while let Some(message) = outbound.blocking_recv() {
        // Nothing below is expected to panic; if something does, the thread keeps delivering.
        let delivered = catch_unwind(AssertUnwindSafe(|| deliver(message, &registry, &mut numbering)));
        if delivered.is_err() {
            eprintln!("eventwire: a panic was caught while delivering a callback");
        }
    }
}

fn deliver(message: Outbound, registry: &Registry, numbering: &mut Numbering) {
    match message {
        Outbound::Response { request_id: internal, response } => {
            // Forgotten before the callback runs, so that the callback may reuse the id.
            let pending = lock(&registry.calls).complete(internal);
            match pending {
                Some(Pending::Async { request_id } | Pending::Refused { request_id }) => {
                    respond(registry, request_id, response)
                }
                Some(Pending::Sync(waiter)) => {
                    // The waiter only goes away if its thread did; then nobody needs the answer.
                    let _ = waiter.send(response);
                }
                None => {}
            }
        }
        Outbound::Notification { seq, subscribe_object } => {
            let callback = *lock(&registry.notification_cb);
            let Some(seq) = numbering.next(seq, callback.is_some()) else { return };
            let Some((callback, user_data)) = callback else { return };
            let (ptr, len) = buffer::into_raw(renumber(subscribe_object, seq));
            // SAFETY: the embedder installed `callback` through eventwire_set_notification_callback,
            // whose contract is that it may be called from the library's callback thread with
            // these arguments; the buffer now belongs to the embedder, who frees it.
            unsafe { callback(ptr, len, user_data.0) };
        }
    }
}

fn respond(registry: &Registry, request_id: u64, response: Vec<u8>) {
    // An asynchronous call is only accepted with a callback installed, and a callback can be
    // replaced but not removed, so there is always one here.
    let Some((callback, user_data)) = *lock(&registry.response_cb) else { return };
    let (ptr, len) = buffer::into_raw(response);
    // SAFETY: the embedder installed `callback` through eventwire_set_response_callback, whose
    // contract is that it may be called from the library's callback thread with these arguments;
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
        assert!(matches!(calls.complete(first), Some(Pending::Async { request_id: 9 })));
        assert_eq!(calls.internal_id(9), None);
        assert!(calls.register(Pending::Async { request_id: 9 }).is_some());
    }

    #[test]
    fn refusals_do_not_touch_the_ids_in_flight() {
        let mut calls = Calls::default();
        let first = calls.register(Pending::Async { request_id: 9 }).unwrap();
        let refusal = calls.register(Pending::Refused { request_id: 9 }).unwrap();
        assert_ne!(first, refusal);
        assert!(matches!(calls.complete(refusal), Some(Pending::Refused { request_id: 9 })));
        assert_eq!(calls.internal_id(9), Some(first), "the call in flight is still cancellable");
    }
}

//! Sessions: one per connected front end (a stdio stream, a C ABI client, a webview). A session
//! takes requests with ids and has ONE ordered outbound queue carrying both its responses and
//! the notifications it receives. A handler's notifications enter the queue while it runs, its
//! response only after it returned, so "notifications emitted before a response are delivered
//! before it" holds by construction on every transport that drains the queue in order.
//!
//! Notifications in the queue are bounded, by count ([`SessionConfig::notification_queue`]) and
//! by bytes ([`SessionConfig::notification_queue_bytes`]): beyond either bound a notification is
//! dropped for this session, counted, and its `seq` skipped, so the front end sees the gap. A run
//! of drops is closed by a *drop marker* as soon as the queue has a free entry (SPEC.md
//! REQ-NOTIF-17), so the gap shows even when no further notification is emitted.
//!
//! A transport that drains the queue from threads of its own choosing (the C ABI delivers from the
//! worker that completed a request when no delivery is in progress) installs a [`QueueHook`]:
//! it is told of every message queued and of the end of the queue, on the thread that queued it.
//! A request submitted with [`Session::try_submit_with_reply`] is answered to a closure instead of
//! the queue (the C ABI's synchronous calls, whose answer must not wait behind the callbacks).
//!
//! Responses are never dropped. The session counts their bytes ([`Session::queued_answer_bytes`])
//! so that a transport can stop taking requests while too many answers wait for a front end that
//! does not read (SPEC.md section 10, `max_queued_answer_bytes`).

use std::{
    collections::HashMap,
    fmt,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
};

use eventwire_schema::pb::{ErrorCode, FlowyError};
use prost::Message;
use tokio::sync::mpsc;

use crate::{
    cancel::CancelHandle,
    config::Capabilities,
    dispatcher::Dispatcher,
    notify::{Subscriber, Unnumbered, drop_marker},
    pipeline::{RequestOptions, error_response},
    sync::lock,
};

/// Options of one session.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// What this front end may send; `None` means the dispatcher's configured set. A request's
    /// own [`RequestOptions::capabilities`] still takes precedence.
    pub capabilities: Option<Capabilities>,
    /// Bound on queued notifications; `None` means [`Config::notification_queue`](crate::Config).
    pub notification_queue: Option<usize>,
    /// Bound on the bytes of queued notifications; `None` means
    /// [`Config::notification_queue_bytes`](crate::Config).
    pub notification_queue_bytes: Option<usize>,
    /// Whether this session receives notifications at all.
    pub notifications: bool,
    /// Told of every message queued and of the end of the queue; `None`: nobody is told (the
    /// receiver's `recv` wakes by itself).
    pub on_queued: Option<QueueHook>,
}

/// What a [`QueueHook`] is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Queued {
    /// A handler's response was queued by the thread that completed the request (normally a
    /// worker of the dispatcher's runtime), with no lock of the session held: the hook may receive
    /// from the [`SessionReceiver`] on this thread.
    Response,
    /// Anything else was queued (a notification, a drop marker, a response the transport gave
    /// with [`Session::answer`], a request refused after close), or the queue ended. The hook may
    /// be called with the session's (and the notification center's) lock held, on any thread,
    /// also the receiver's: it must only signal (wake a thread), never call into the session.
    Other,
}

/// Called after a message was queued on a session (and after its queue ended); see [`Queued`]
/// for where and with which locks held.
#[derive(Clone)]
pub struct QueueHook(Arc<dyn Fn(Queued) + Send + Sync>);

impl QueueHook {
    pub fn new(hook: impl Fn(Queued) + Send + Sync + 'static) -> Self {
        QueueHook(Arc::new(hook))
    }
}

impl fmt::Debug for QueueHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueHook")
    }
}

/// Receives the response to a request submitted with [`Session::try_submit_with_reply`], on the
/// thread that completed it, together with the `seq` of the last notification that request's
/// handler queued on this session while it ran (0 if none): the receiver can wait until that one
/// is delivered before it hands the response on (SPEC.md REQ-TRANS-CABI-10).
pub type Reply = Box<dyn FnOnce(Vec<u8>, u64) + Send>;

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            capabilities: None,
            notification_queue: None,
            notification_queue_bytes: None,
            notifications: true,
            on_queued: None,
        }
    }
}

impl SessionConfig {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }
    pub fn notification_queue(mut self, bound: usize) -> Self {
        self.notification_queue = Some(bound);
        self
    }
    pub fn notification_queue_bytes(mut self, bound: usize) -> Self {
        self.notification_queue_bytes = Some(bound);
        self
    }
    pub fn notifications(mut self, receive: bool) -> Self {
        self.notifications = receive;
        self
    }
    pub fn on_queued(mut self, hook: QueueHook) -> Self {
        self.on_queued = Some(hook);
        self
    }
}

/// One message of a session's outbound queue, in the order the front end must see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// The one answer to the request submitted with `request_id`: an encoded `FFIResponse`.
    Response { request_id: u64, response: Vec<u8> },
    /// An encoded `SubscribeObject`, its `seq` field set to `seq` (this session's numbering,
    /// starting at 1; a gap means notifications were dropped).
    Notification { seq: u64, subscribe_object: Vec<u8> },
}

/// Why [`SessionReceiver::try_recv`] returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryRecvError {
    /// Nothing is queued yet.
    #[error("nothing queued yet")]
    Empty,
    /// The session is closed and every request has been answered: nothing will come.
    #[error("the session has ended")]
    Ended,
}

/// What one queued answer is counted for beyond its encoded length: its place in the queue and
/// the bookkeeping a transport keeps for it until delivered (measured at about 100 bytes for the
/// C ABI). Without it a flood of small answers would cost far more than their bytes say.
pub const ANSWER_ENTRY_BYTES: usize = 128;

/// The session has ended (closed, and every request answered): nothing submitted or answered now
/// would ever be delivered, so it was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the session has ended")]
pub struct SessionEnded;

/// The submitting side of a session. Cheap to clone; when the last clone is dropped the session
/// is closed as by [`Session::close`].
#[derive(Clone)]
pub struct Session {
    guard: Arc<Guard>,
}

/// The receiving side of a session: its one ordered outbound queue. Ends (`None`) once the
/// session is closed and every request submitted to it has been answered.
pub struct SessionReceiver {
    rx: mpsc::UnboundedReceiver<Outbound>,
    shared: Arc<SessionShared>,
}

struct Guard {
    shared: Arc<SessionShared>,
    dispatcher: Dispatcher,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.close();
    }
}

pub(crate) struct SessionShared {
    state: Mutex<State>,
    queued_notifications: AtomicUsize,
    queued_notification_bytes: AtomicUsize,
    queued_responses: AtomicUsize,
    queued_response_bytes: AtomicUsize,
    /// Bytes of the requests submitted and not yet answered (each plus [`ANSWER_ENTRY_BYTES`]).
    in_flight_request_bytes: AtomicUsize,
    dropped_notifications: AtomicU64,
    /// Set while drops are not yet revealed or a drop marker is queued: the receiver then takes
    /// the lock after each notification to queue the next marker.
    marker_due: AtomicBool,
    notification_limit: usize,
    notification_byte_limit: usize,
    capabilities: Option<Capabilities>,
    on_queued: Option<QueueHook>,
}

tokio::task_local! {
    /// Set while the handler of a request submitted with a [`Reply`] runs: the last `seq` it
    /// queued on its session.
    static EMITTER: Emitter;
}

struct Emitter {
    /// The session's `SessionShared`, by address (only compared).
    session: usize,
    last_seq: Arc<AtomicU64>,
}

struct State {
    /// `None` once closed and drained: nothing more will be sent.
    tx: Option<mpsc::UnboundedSender<Outbound>>,
    seq: u64,
    /// Notifications dropped since the last one queued (or the last drop marker).
    unrevealed_drops: u64,
    /// The `seq` of the drop marker in the queue, not yet received; at most one is queued.
    marker_seq: Option<u64>,
    closed: bool,
    in_flight: usize,
    /// In-flight requests by id; a list because a front end may (wrongly) reuse an id.
    requests: HashMap<u64, Vec<CancelHandle>>,
}

impl Dispatcher {
    /// Opens a session: a front end's connection, with its own outbound queue.
    pub fn open_session(&self, config: SessionConfig) -> (Session, SessionReceiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(SessionShared {
            state: Mutex::new(State {
                tx: Some(tx),
                seq: 0,
                unrevealed_drops: 0,
                marker_seq: None,
                closed: false,
                in_flight: 0,
                requests: HashMap::new(),
            }),
            queued_notifications: AtomicUsize::new(0),
            queued_notification_bytes: AtomicUsize::new(0),
            queued_responses: AtomicUsize::new(0),
            queued_response_bytes: AtomicUsize::new(0),
            in_flight_request_bytes: AtomicUsize::new(0),
            dropped_notifications: AtomicU64::new(0),
            marker_due: AtomicBool::new(false),
            notification_limit: config
                .notification_queue
                .unwrap_or(self.config().notification_queue),
            notification_byte_limit: config
                .notification_queue_bytes
                .unwrap_or(self.config().notification_queue_bytes),
            capabilities: config.capabilities,
            on_queued: config.on_queued,
        });
        if config.notifications {
            let subscriber: std::sync::Weak<dyn Subscriber> =
                Arc::downgrade(&shared) as std::sync::Weak<SessionShared>;
            self.inner.center.subscribe(subscriber);
        }
        let session = Session {
            guard: Arc::new(Guard {
                shared: Arc::clone(&shared),
                dispatcher: self.clone(),
            }),
        };
        (session, SessionReceiver { rx, shared })
    }
}

impl Session {
    /// Submits an encoded `FFIRequest`. Its one response arrives on the receiver as
    /// [`Outbound::Response`] with `request_id`, whatever happens (also if the handler panics or
    /// the runtime shuts down first). Never blocks. `options.request_id` is set to `request_id`;
    /// a cancel handle in `options` is kept and also fired by [`cancel`](Self::cancel).
    ///
    /// Ids are the front end's; reusing the id of an in-flight request is allowed but then
    /// [`cancel`](Self::cancel) cancels both. After [`close`](Self::close), the request is
    /// answered `CANCELLED` at once without running.
    pub fn submit(&self, request_id: u64, request: Vec<u8>, options: RequestOptions) {
        let _ = self.try_submit(request_id, request, options);
    }

    /// As [`submit`](Self::submit), but says whether the request was taken: `Err` when the
    /// session has ended (closed with nothing left in flight), in which case no response will
    /// ever arrive for `request_id`. A request submitted after [`close`](Self::close) while others
    /// are still in flight is taken and answered `CANCELLED`.
    pub fn try_submit(
        &self,
        request_id: u64,
        request: Vec<u8>,
        options: RequestOptions,
    ) -> Result<(), SessionEnded> {
        self.submit_to(request_id, request, options, None)
    }

    /// As [`try_submit`](Self::try_submit), but the response goes to `reply` (on the thread that
    /// completes the request) instead of the queue, so it waits for nothing queued before it.
    /// The request is otherwise one of the session's: counted in flight and in
    /// [`held_answer_bytes`](Self::held_answer_bytes), cancelled by [`cancel`](Self::cancel) and
    /// [`cancel_all`](Self::cancel_all), and the queue does not end before it is answered. After
    /// [`close`](Self::close) with requests still in flight, `reply` gets `CANCELLED` at once.
    pub fn try_submit_with_reply(
        &self,
        request_id: u64,
        request: Vec<u8>,
        options: RequestOptions,
        reply: Reply,
    ) -> Result<(), SessionEnded> {
        self.submit_to(request_id, request, options, Some(reply))
    }

    fn submit_to(
        &self,
        request_id: u64,
        request: Vec<u8>,
        options: RequestOptions,
        reply: Option<Reply>,
    ) -> Result<(), SessionEnded> {
        let shared = &self.guard.shared;
        let mut options = options;
        let cancel = options.cancel.clone().unwrap_or_default();
        {
            let mut state = lock(&shared.state);
            if state.closed {
                let Some(tx) = &state.tx else {
                    return Err(SessionEnded);
                };
                let error = FlowyError::new(
                    ErrorCode::Cancelled,
                    "session: closed before the request was submitted",
                );
                let response = error_response(error).encode_to_vec();
                match reply {
                    Some(reply) => {
                        drop(state);
                        reply(response, 0);
                    }
                    None => {
                        shared.queue_response(tx, request_id, response);
                        shared.queued(Queued::Other);
                    }
                }
                return Ok(());
            }
            state.in_flight += 1;
            state
                .requests
                .entry(request_id)
                .or_default()
                .push(cancel.clone());
        }
        options.request_id = Some(request_id);
        options.cancel = Some(cancel.clone());
        if options.capabilities.is_none() {
            options.capabilities = shared.capabilities.clone();
        }
        let request_bytes = request.len() + ANSWER_ENTRY_BYTES;
        shared
            .in_flight_request_bytes
            .fetch_add(request_bytes, Ordering::AcqRel);
        let emitted = reply.as_ref().map(|_| Arc::new(AtomicU64::new(0)));
        let slot = ResponseSlot {
            shared: Arc::clone(shared),
            request_id,
            cancel,
            request_bytes,
            reply,
            emitted: emitted.clone(),
            sent: false,
        };
        let dispatcher = self.guard.dispatcher.clone();
        match emitted {
            None => {
                self.guard.dispatcher.runtime().spawn(async move {
                    let response = dispatcher.dispatch_with(&request, options).await;
                    slot.send(response);
                });
            }
            Some(last_seq) => {
                let emitter = Emitter {
                    session: Arc::as_ptr(shared) as usize,
                    last_seq,
                };
                self.guard
                    .dispatcher
                    .runtime()
                    .spawn(EMITTER.scope(emitter, async move {
                        let response = dispatcher.dispatch_with(&request, options).await;
                        slot.send(response);
                    }));
            }
        }
        Ok(())
    }

    /// Queues `response` (an encoded `FFIResponse`) as the answer to `request_id` without running
    /// anything: for a transport that refuses a request itself (bytes it could not read, an id
    /// it cannot accept) and must deliver the refusal on the one ordered queue, after whatever
    /// is queued already. Dropped, like every message, once the receiver has ended (the session
    /// was closed with nothing in flight) or been dropped.
    pub fn answer(&self, request_id: u64, response: Vec<u8>) {
        let _ = self.try_answer(request_id, response);
    }

    /// As [`answer`](Self::answer), but `Err` when the session has ended and the answer was
    /// dropped.
    pub fn try_answer(&self, request_id: u64, response: Vec<u8>) -> Result<(), SessionEnded> {
        let shared = &self.guard.shared;
        let state = lock(&shared.state);
        let tx = state.tx.as_ref().ok_or(SessionEnded)?;
        shared.queue_response(tx, request_id, response);
        shared.queued(Queued::Other);
        Ok(())
    }

    /// Bytes of responses queued and not yet received: each counts the length of its encoded
    /// `FFIResponse` plus [`ANSWER_ENTRY_BYTES`].
    pub fn queued_answer_bytes(&self) -> usize {
        self.guard
            .shared
            .queued_response_bytes
            .load(Ordering::Acquire)
    }

    /// Bytes this session holds for requests not yet taken by the front end: the requests in
    /// flight (each its length plus [`ANSWER_ENTRY_BYTES`], a reservation for its answer) and the
    /// responses queued and not yet received ([`queued_answer_bytes`](Self::queued_answer_bytes)).
    /// A transport that takes no new request while this reaches its budget bounds what a front
    /// end that does not take its answers can make it hold (SPEC.md REQ-LIMIT-7).
    pub fn held_answer_bytes(&self) -> usize {
        let shared = &self.guard.shared;
        shared
            .in_flight_request_bytes
            .load(Ordering::Acquire)
            .saturating_add(shared.queued_response_bytes.load(Ordering::Acquire))
    }

    /// Bytes of notifications queued and not yet received.
    pub fn queued_notification_bytes(&self) -> usize {
        self.guard
            .shared
            .queued_notification_bytes
            .load(Ordering::Acquire)
    }

    /// Cancels the in-flight request(s) with `request_id`; `false` if there is none (unknown or
    /// already answered ids are ignored, as the protocol requires).
    pub fn cancel(&self, request_id: u64) -> bool {
        let state = lock(&self.guard.shared.state);
        match state.requests.get(&request_id) {
            Some(handles) => {
                handles.iter().for_each(CancelHandle::cancel);
                true
            }
            None => false,
        }
    }

    /// Cancels every in-flight request of this session (each is answered `CANCELLED` unless it
    /// completes first).
    pub fn cancel_all(&self) {
        let state = lock(&self.guard.shared.state);
        state
            .requests
            .values()
            .flatten()
            .for_each(CancelHandle::cancel);
    }

    /// Stops taking requests. Requests in flight are still answered (and notifications still
    /// delivered until then); then the receiver ends.
    pub fn close(&self) {
        self.guard.shared.close();
    }

    /// Requests submitted and not yet answered.
    pub fn in_flight(&self) -> usize {
        lock(&self.guard.shared.state).in_flight
    }

    /// Notifications dropped for this session because its queue was full.
    pub fn dropped_notifications(&self) -> u64 {
        self.guard
            .shared
            .dropped_notifications
            .load(Ordering::Relaxed)
    }

    /// The dispatcher this session submits to.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.guard.dispatcher
    }
}

impl SessionReceiver {
    /// The next outbound message, in order; `None` once the session is closed and drained.
    pub async fn recv(&mut self) -> Option<Outbound> {
        let next = self.rx.recv().await;
        self.took(next.as_ref());
        next
    }

    /// As [`recv`](Self::recv), blocking the thread: for a transport's own delivery thread (e.g.
    /// the C ABI's callback thread). Must not be called from inside an async context.
    pub fn blocking_recv(&mut self) -> Option<Outbound> {
        let next = self.rx.blocking_recv();
        self.took(next.as_ref());
        next
    }

    /// The next outbound message if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Result<Outbound, TryRecvError> {
        match self.rx.try_recv() {
            Ok(m) => {
                self.took(Some(&m));
                Ok(m)
            }
            Err(mpsc::error::TryRecvError::Empty) => Err(TryRecvError::Empty),
            Err(mpsc::error::TryRecvError::Disconnected) => Err(TryRecvError::Ended),
        }
    }

    /// Responses queued and not yet received. A transport that stops reading requests while
    /// this is high bounds its memory even against a front end that never reads answers.
    pub fn queued_responses(&self) -> usize {
        self.shared.queued_responses.load(Ordering::Acquire)
    }

    /// Bytes of the responses queued and not yet received, as [`Session::queued_answer_bytes`].
    pub fn queued_answer_bytes(&self) -> usize {
        self.shared.queued_response_bytes.load(Ordering::Acquire)
    }

    /// Notifications dropped for this session because its queue was full.
    pub fn dropped_notifications(&self) -> u64 {
        self.shared.dropped_notifications.load(Ordering::Relaxed)
    }

    fn took(&self, message: Option<&Outbound>) {
        match message {
            Some(Outbound::Notification {
                seq,
                subscribe_object,
            }) => {
                let shared = &self.shared;
                shared
                    .queued_notification_bytes
                    .fetch_sub(subscribe_object.len(), Ordering::AcqRel);
                shared.queued_notifications.fetch_sub(1, Ordering::AcqRel);
                if shared.marker_due.load(Ordering::Acquire) {
                    let mut state = lock(&shared.state);
                    if state.marker_seq == Some(*seq) {
                        state.marker_seq = None;
                    }
                    shared.queue_marker(&mut state);
                }
            }
            Some(Outbound::Response { response, .. }) => {
                self.shared
                    .queued_response_bytes
                    .fetch_sub(response.len() + ANSWER_ENTRY_BYTES, Ordering::AcqRel);
                self.shared.queued_responses.fetch_sub(1, Ordering::AcqRel);
            }
            None => {}
        }
    }
}

impl Subscriber for SessionShared {
    /// Numbers and queues (or drops) one notification; `false` once the session will never
    /// deliver anything again, so the center can forget it.
    fn deliver_notification(&self, object: &Unnumbered) -> bool {
        let mut state = lock(&self.state);
        let Some(tx) = &state.tx else { return false };
        if tx.is_closed() {
            return false;
        }
        state.seq += 1;
        let seq = state.seq;
        let len = object.numbered_len(seq);
        let full = self.queued_notifications.load(Ordering::Acquire) >= self.notification_limit
            || self
                .queued_notification_bytes
                .load(Ordering::Acquire)
                .saturating_add(len)
                > self.notification_byte_limit;
        if full {
            self.dropped_notifications.fetch_add(1, Ordering::Relaxed);
            state.unrevealed_drops += 1;
            self.marker_due.store(true, Ordering::Release);
            // Dropped for its size while entries are free: the marker can follow at once.
            self.queue_marker(&mut state);
            return true;
        }
        // This notification's `seq` shows any gap before it.
        state.unrevealed_drops = 0;
        if !self.send_notification(&state, seq, object.numbered(seq)) {
            return false;
        }
        let _ = EMITTER.try_with(|e| {
            if e.session == std::ptr::from_ref(self) as usize {
                e.last_seq.store(seq, Ordering::Release);
            }
        });
        true
    }
}

impl SessionShared {
    /// Queues one notification, counted before it can be received; `false` if the receiver is
    /// gone.
    fn send_notification(&self, state: &State, seq: u64, subscribe_object: Vec<u8>) -> bool {
        let Some(tx) = &state.tx else { return false };
        let len = subscribe_object.len();
        self.queued_notifications.fetch_add(1, Ordering::AcqRel);
        self.queued_notification_bytes
            .fetch_add(len, Ordering::AcqRel);
        if tx
            .send(Outbound::Notification {
                seq,
                subscribe_object,
            })
            .is_err()
        {
            self.queued_notifications.fetch_sub(1, Ordering::AcqRel);
            self.queued_notification_bytes
                .fetch_sub(len, Ordering::AcqRel);
            return false;
        }
        self.queued(Queued::Other);
        true
    }

    /// Tells the transport's hook, if any (see [`Queued`] for the contract of each kind).
    fn queued(&self, what: Queued) {
        if let Some(hook) = &self.on_queued {
            (hook.0)(what);
        }
    }

    /// Ends the queue: nothing is sent after what it holds. A run of drops not yet revealed gets
    /// its marker first, even beyond the count bound (it is the last message).
    fn end_queue(&self, state: &mut State) {
        if state.unrevealed_drops > 0 {
            state.seq += 1;
            let seq = state.seq;
            let marker = drop_marker(state.unrevealed_drops, seq);
            self.send_notification(state, seq, marker);
            state.unrevealed_drops = 0;
        }
        if let Some(tx) = state.tx.take() {
            // Dropped first, so the receiver the hook wakes can see the end (unless a finishing
            // request still holds a clone, which it drops before its own hook call).
            drop(tx);
            self.queued(Queued::Other);
        }
    }

    /// Queues a drop marker (SPEC.md REQ-NOTIF-17) when drops are unrevealed, no marker is queued
    /// yet and the queue has a free entry. The marker takes the next `seq`, so the gap before it
    /// is exactly the run of drops; it is exempt from the byte bound (it is one small message, and
    /// at most one is queued at a time).
    fn queue_marker(&self, state: &mut State) {
        if state.unrevealed_drops > 0
            && state.marker_seq.is_none()
            && state.tx.is_some()
            && self.queued_notifications.load(Ordering::Acquire) < self.notification_limit
        {
            state.seq += 1;
            let seq = state.seq;
            let marker = drop_marker(state.unrevealed_drops, seq);
            if self.send_notification(state, seq, marker) {
                state.marker_seq = Some(seq);
                state.unrevealed_drops = 0;
            }
        }
        let due = state.unrevealed_drops > 0 || state.marker_seq.is_some();
        self.marker_due.store(due, Ordering::Release);
    }

    /// Sends a response, counted before it can be received so that the count never dips below
    /// zero while the receiver races the sender.
    fn queue_response(
        &self,
        tx: &mpsc::UnboundedSender<Outbound>,
        request_id: u64,
        response: Vec<u8>,
    ) {
        let len = response.len() + ANSWER_ENTRY_BYTES;
        self.queued_responses.fetch_add(1, Ordering::AcqRel);
        self.queued_response_bytes.fetch_add(len, Ordering::AcqRel);
        if tx
            .send(Outbound::Response {
                request_id,
                response,
            })
            .is_err()
        {
            self.queued_responses.fetch_sub(1, Ordering::AcqRel);
            self.queued_response_bytes.fetch_sub(len, Ordering::AcqRel);
        }
    }

    /// Records the request as answered and queues its response.
    ///
    /// The response is sent after the lock is released: sending wakes the receiver, and a
    /// receiver woken while this thread still holds the lock (on a busy machine, this thread may
    /// then lose its core) would find the lock taken by the next `submit`. The handler's
    /// notifications were queued before it returned, so they still precede the response; the
    /// sender is cloned so the queue cannot end before this last message is in it.
    ///
    /// With a `reply`, the response goes there instead, with `emitted_seq`; the queue's end (if
    /// this was the last request of a closed session) is signalled after it.
    fn finish(
        &self,
        request_id: u64,
        cancel: &CancelHandle,
        response: Vec<u8>,
        reply: Option<Reply>,
        emitted_seq: u64,
    ) {
        let tx = {
            let mut state = lock(&self.state);
            // A reply needs no sender; a clone kept here would keep the queue open past the end
            // `end_queue` signals, with nobody signalling again when it drops.
            let tx = if reply.is_none() {
                state.tx.clone()
            } else {
                None
            };
            state.in_flight -= 1;
            if let Some(handles) = state.requests.get_mut(&request_id) {
                handles.retain(|h| !h.same(cancel));
                if handles.is_empty() {
                    state.requests.remove(&request_id);
                }
            }
            if state.closed && state.in_flight == 0 {
                self.end_queue(&mut state);
            }
            tx
        };
        match reply {
            Some(reply) => {
                // Ending the queue (in `end_queue`) was signalled already; the receiver does not
                // wait for this answer.
                reply(response, emitted_seq);
            }
            None => {
                if let Some(tx) = tx {
                    self.queue_response(&tx, request_id, response);
                    // Dropped first: when this was the last message, the receiver the hook may
                    // drain sees the end of the queue right after it.
                    drop(tx);
                    self.queued(Queued::Response);
                }
            }
        }
    }

    fn close(&self) {
        let mut state = lock(&self.state);
        state.closed = true;
        if state.in_flight == 0 {
            self.end_queue(&mut state);
        }
    }
}

/// The promise of one response. If the task carrying it ends without sending (a bug that
/// panicked, or a runtime shutting down), dropping it sends the answer instead.
struct ResponseSlot {
    shared: Arc<SessionShared>,
    request_id: u64,
    cancel: CancelHandle,
    /// Bytes of the request, counted in `in_flight_request_bytes` until it is answered.
    request_bytes: usize,
    /// Where the response goes instead of the queue.
    reply: Option<Reply>,
    /// With a `reply`: the last `seq` the handler queued on this session.
    emitted: Option<Arc<AtomicU64>>,
    sent: bool,
}

impl ResponseSlot {
    fn send(mut self, response: Vec<u8>) {
        self.sent = true;
        self.answer(response);
    }

    fn answer(&mut self, response: Vec<u8>) {
        self.shared
            .in_flight_request_bytes
            .fetch_sub(self.request_bytes, Ordering::AcqRel);
        let emitted_seq = self
            .emitted
            .as_ref()
            .map_or(0, |seq| seq.load(Ordering::Acquire));
        self.shared.finish(
            self.request_id,
            &self.cancel,
            response,
            self.reply.take(),
            emitted_seq,
        );
    }
}

impl Drop for ResponseSlot {
    fn drop(&mut self) {
        if self.sent {
            return;
        }
        let error = if std::thread::panicking() {
            FlowyError::new(
                ErrorCode::Internal,
                "dispatcher: failed while answering the request",
            )
        } else {
            FlowyError::new(
                ErrorCode::Cancelled,
                "dispatcher: shut down before the request completed",
            )
        };
        self.answer(error_response(error).encode_to_vec());
    }
}

#[cfg(test)]
mod tests {
    use eventwire_schema::pb::{FfiRequest, FfiResponse};

    use super::*;

    fn ping() -> Vec<u8> {
        FfiRequest {
            event: "Ping".into(),
            payload: Vec::new(),
        }
        .encode_to_vec()
    }

    #[test]
    fn answers_keep_their_place_in_the_queue_and_end_with_the_session() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dispatcher = Dispatcher::builder()
            .schema(&crate::test_schema::SCHEMA)
            .handle_raw("Ping", crate::test_schema::Pong)
            .runtime(runtime.handle().clone())
            .build()
            .unwrap();
        let (session, mut rx) = dispatcher.open_session(SessionConfig::new());

        session.submit(1, ping(), RequestOptions::new());
        let first = rx.blocking_recv().expect("the ping's response");
        assert!(matches!(first, Outbound::Response { request_id: 1, .. }));
        session.answer(2, b"refused".to_vec());
        session.answer(3, Vec::new());
        assert_eq!(rx.queued_responses(), 2);
        assert_eq!(
            rx.try_recv(),
            Ok(Outbound::Response {
                request_id: 2,
                response: b"refused".to_vec()
            })
        );
        assert_eq!(
            rx.try_recv(),
            Ok(Outbound::Response {
                request_id: 3,
                response: Vec::new()
            })
        );
        assert_eq!(rx.queued_responses(), 0);
        assert_eq!(
            session.in_flight(),
            0,
            "an answer is not a request in flight"
        );

        // Closed with nothing in flight: the queue ends and an answer goes nowhere. The worker
        // that answered the ping may still be letting go of its sender, so wait for the end
        // rather than expect it at once.
        session.close();
        session.answer(4, b"late".to_vec());
        assert_eq!(rx.blocking_recv(), None, "nothing after the close");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Ended));
        assert_eq!(rx.queued_responses(), 0);

        // The ping's response was a real one.
        let Outbound::Response { response, .. } = first else {
            unreachable!()
        };
        assert_eq!(FfiResponse::decode(response.as_slice()).unwrap().code, 0);
    }
}

//! The library's life cycle: what `eventwire_init` starts and `eventwire_shutdown` stops, and the
//! calls that go through it.

use std::{
    sync::{Arc, Mutex, mpsc},
    thread::JoinHandle,
    time::Duration,
};

use eventwire::{
    Config, Dispatcher, ErrorCode, FlowyError, QueueHook, Reply, RequestOptions, Session,
    SessionConfig,
    pb::{FfiResponse, FfiStatusCode},
    sync::lock,
};
use prost::Message;
use tokio::runtime::Runtime;

use crate::{
    abi::*,
    boundary::{enter_worker, in_callback},
    delivery::{Delivery, Pending, Registry},
};

/// What the exported functions use while the library is initialised.
pub(crate) struct Shared {
    session: Session,
    /// The library's encoded `StreamHandshake` (SPEC.md section 16.5), computed once at init.
    pub(crate) handshake: Vec<u8>,
    pub(crate) registry: Arc<Registry>,
    delivery: Arc<Delivery>,
}

/// What only init and shutdown touch.
struct Running {
    runtime: Runtime,
    delivery: JoinHandle<()>,
    shared: Arc<Shared>,
}

/// Held for the whole of init and shutdown, so that they never overlap.
static RUNNING: Mutex<Option<Running>> = Mutex::new(None);
/// Read by every other call; `None` when not initialised. Kept apart from [`RUNNING`] so that a
/// callback can call in while shutdown waits for the callback thread.
static CURRENT: Mutex<Option<Arc<Shared>>> = Mutex::new(None);

/// How long shutdown lets handler tasks that ignore cancellation finish before dropping them.
const RUNTIME_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The initialised library, or `None`.
pub(crate) fn current() -> Option<Arc<Shared>> {
    lock(&CURRENT).clone()
}

/// Starts the backend with `config`.
pub(crate) fn start(config: Config) -> i32 {
    if in_callback() {
        // Callbacks only run while the library is initialised (or shutting down).
        return EVENTWIRE_ERR_ALREADY_INITIALIZED;
    }
    let mut running = lock(&RUNNING);
    if running.is_some() {
        return EVENTWIRE_ERR_ALREADY_INITIALIZED;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name("eventwire-worker")
        .on_thread_start(enter_worker)
        .enable_all()
        .build()
    else {
        return EVENTWIRE_ERR_INTERNAL;
    };
    let builder = crate::mount(Dispatcher::builder())
        .config(config)
        .runtime(runtime.handle().clone());
    let dispatcher = match builder.build() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("eventwire: cannot start the dispatcher:\n{e}");
            return EVENTWIRE_ERR_INVALID_CONFIG;
        }
    };
    for warning in dispatcher.capability_warnings([]) {
        eprintln!("eventwire: warning: {warning}");
    }
    let registry = Arc::new(Registry::default());
    let delivery = Arc::new(Delivery::new(Arc::clone(&registry)));
    // Weak: the session holds the hook, and the delivery holds the session's receiver.
    let hook = {
        let delivery = Arc::downgrade(&delivery);
        QueueHook::new(move |queued| {
            if let Some(delivery) = delivery.upgrade() {
                delivery.queued(queued);
            }
        })
    };
    let (session, outbound) = dispatcher.open_session(SessionConfig::new().on_queued(hook));
    delivery.attach(outbound);
    let thread = {
        let delivery = Arc::clone(&delivery);
        match std::thread::Builder::new()
            .name("eventwire-callbacks".into())
            .spawn(move || delivery.run())
        {
            Ok(handle) => handle,
            Err(_) => return EVENTWIRE_ERR_INTERNAL,
        }
    };
    let handshake = dispatcher.handshake().encode_to_vec();
    let shared = Arc::new(Shared {
        session,
        handshake,
        registry,
        delivery,
    });
    *lock(&CURRENT) = Some(Arc::clone(&shared));
    *running = Some(Running {
        runtime,
        delivery: thread,
        shared,
    });
    EVENTWIRE_OK
}

/// Worker threads of the library's runtime: one per core (or `TOKIO_WORKER_THREADS`, as tokio
/// reads it), plus one. A worker may deliver callbacks (see `delivery`), at most one at a time,
/// so a callback that blocks still leaves as many workers as cores to run handlers (synchronous
/// calls included), and the calls piling up behind it are taken as fast as before.
fn worker_threads() -> usize {
    let configured = std::env::var("TOKIO_WORKER_THREADS")
        .ok()
        .and_then(|n| n.trim().parse::<usize>().ok());
    let cores = || std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    configured.filter(|&n| n > 0).unwrap_or_else(cores) + 1
}

/// Answers every call in flight `CANCELLED`, waits for the callbacks, stops the runtime.
pub(crate) fn stop() -> i32 {
    if in_callback() {
        // Waiting for the callbacks to finish from inside one would never return.
        return EVENTWIRE_ERR_INTERNAL;
    }
    let mut running = lock(&RUNNING);
    let Some(Running {
        runtime,
        delivery,
        shared,
    }) = running.take()
    else {
        return EVENTWIRE_ERR_NOT_INITIALIZED;
    };
    // From here on every call (including those made from callbacks) sees an uninitialised library.
    *lock(&CURRENT) = None;
    shared.session.cancel_all();
    shared.session.close();
    // The session's queue ends once every request is answered; the callback thread delivers what
    // is left (after any worker still delivering) and stops.
    let _ = delivery.join();
    drop(shared);
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_GRACE);
    EVENTWIRE_OK
}

impl Shared {
    /// Whether the calls in flight and the answers queued for the callbacks have reached
    /// `max_queued_answer_bytes`: a new call is then refused (`EVENTWIRE_ERR_OVERLOADED`).
    pub(crate) fn over_answer_budget(&self) -> bool {
        self.session.held_answer_bytes()
            >= self.session.dispatcher().config().max_queued_answer_bytes
    }

    /// Starts an asynchronous call; its response goes to the response callback. `false` when
    /// the session has already ended (shutdown has begun): the call was not taken and no callback
    /// will come. `request` is `Err(reason)` when the bytes could not be read at all.
    pub(crate) fn call_async(
        &self,
        request_id: u64,
        request: Result<Vec<u8>, &'static str>,
    ) -> bool {
        let request = match request {
            Ok(bytes) => bytes,
            Err(reason) => return self.answer_directly(request_id, invalid_request(reason)),
        };
        let internal = lock(&self.registry.calls).register(Pending::Async { request_id });
        match internal {
            Some(internal) => self.submit(internal, request),
            None => self.answer_directly(
                request_id,
                invalid_request(
                    "request id: already in flight; ids must be unique among calls in flight",
                ),
            ),
        }
    }

    /// Submits the registered call `internal`; when the session has ended, forgets it and
    /// returns `false`.
    fn submit(&self, internal: u64, request: Vec<u8>) -> bool {
        if self
            .session
            .try_submit(internal, request, RequestOptions::new())
            .is_ok()
        {
            return true;
        }
        lock(&self.registry.calls).complete(internal);
        false
    }

    /// Runs a call to its response, blocking the calling thread; `None` when the session has
    /// already ended (shutdown has begun) and the call was not taken.
    ///
    /// The answer comes straight from the worker that completed the call, not through the
    /// callbacks' queue, so a callback that blocks does not hold it up (REQ-TRANS-CABI-17); the
    /// call then waits only for the notifications its own handler queued to be delivered
    /// (REQ-TRANS-CABI-10).
    pub(crate) fn call_sync(&self, request: Vec<u8>) -> Option<Vec<u8>> {
        let (waiter, answer) = mpsc::sync_channel(1);
        let internal = lock(&self.registry.calls).reserve();
        let reply: Reply = Box::new(move |response, emitted_seq| {
            // The receiver only goes away if its thread did; then nobody needs the answer.
            let _ = waiter.send((response, emitted_seq));
        });
        if self
            .session
            .try_submit_with_reply(internal, request, RequestOptions::new(), reply)
            .is_err()
        {
            return None;
        }
        let (response, emitted_seq) = answer.recv().unwrap_or_else(|_| {
            (
                internal_error("library: stopped before answering the request"),
                0,
            )
        });
        if emitted_seq > 0 {
            self.delivery.wait_handled(emitted_seq);
        }
        Some(response)
    }

    /// Cancels the embedder's asynchronous call `request_id`, if it is in flight.
    pub(crate) fn cancel(&self, request_id: u64) {
        let internal = lock(&self.registry.calls).internal_id(request_id);
        if let Some(internal) = internal {
            self.session.cancel(internal);
        }
    }

    /// Answers the asynchronous call `request_id` with `response` without the dispatcher, in
    /// order with everything already queued for the callbacks.
    /// `false` when the session has already ended, as for [`Shared::call_async`].
    fn answer_directly(&self, request_id: u64, response: Vec<u8>) -> bool {
        let internal = lock(&self.registry.calls).register(Pending::Refused { request_id });
        // A refusal is always registered (only asynchronous calls can be refused as duplicates).
        let Some(internal) = internal else {
            return false;
        };
        if self.session.try_answer(internal, response).is_ok() {
            return true;
        }
        lock(&self.registry.calls).complete(internal);
        false
    }
}

/// An encoded `FFIResponse` carrying ERR `INVALID_REQUEST`.
pub(crate) fn invalid_request(msg: &str) -> Vec<u8> {
    error_response(ErrorCode::InvalidRequest, msg)
}

fn internal_error(msg: &str) -> Vec<u8> {
    error_response(ErrorCode::Internal, msg)
}

fn error_response(code: ErrorCode, msg: &str) -> Vec<u8> {
    FfiResponse {
        payload: FlowyError::new(code, msg).encode_to_vec(),
        code: FfiStatusCode::Err as i32,
    }
    .encode_to_vec()
}

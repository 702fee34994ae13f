//! The request path, one step per protocol rule, in the protocol's order (SPEC.md, "Routing and
//! the request pipeline"). Each step either passes the request on or produces its one answer.
//!
//! The path is built to cost little beyond the handler itself: the envelope is read in place
//! ([`envelope`]), the handler is polled inline rather than spawned ([`supervise`]), a deadline
//! timer and a cancellation waiter are armed only once the handler actually waits, and a typed
//! handler encodes its output straight into the response envelope ([`Form`]).

mod envelope;
mod limits;
mod nesting;
mod supervise;

use std::{
    collections::HashMap,
    future::Future,
    hash::{BuildHasherDefault, Hasher},
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context as TaskContext, Poll},
    time::Duration,
};

use eventwire_schema::pb::{ErrorCode, FfiResponse, FfiStatusCode, FlowyError};
use prost::Message;
use prost_reflect::MessageDescriptor;
use tokio::runtime::Handle;

pub(crate) use envelope::RequestRef;
pub(crate) use limits::InFlight;
pub(crate) use nesting::walk_descriptor;

use crate::{
    cancel::CancelHandle,
    catalog::Catalog,
    config::{Capabilities, Config},
    context::Context,
    notify::{NotificationCenter, Notifier},
    registry::{Form, Start},
    schema::{EventDef, Schema},
};

/// What the request path reads: the dispatcher's shared state, built once by
/// `DispatcherBuilder::build`.
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) schemas: Vec<&'static Schema>,
    pub(crate) routes: Routes,
    pub(crate) ready: AtomicBool,
    pub(crate) in_flight: InFlight,
    pub(crate) center: Arc<NotificationCenter>,
    pub(crate) runtime: Handle,
}

impl Inner {
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

pub(crate) struct Route {
    pub(crate) name: &'static str,
    pub(crate) event: &'static EventDef,
    pub(crate) handler: Arc<dyn Start>,
    /// Per-event configuration, else the table's `timeout_ms`, else the default.
    pub(crate) timeout: Duration,
    /// The input's descriptor if the nesting check needs it (see `pipeline::walk_descriptor`).
    pub(crate) nesting: Option<MessageDescriptor>,
}

/// Routes by event name, as bytes (a name that matches is UTF-8, as every route's name is).
/// Names are few, short and come from the tables, so a word-at-a-time multiplicative hash (a
/// handful of instructions for a 10-byte name) replaces SipHash's flooding resistance, which a
/// table lookup with a fixed key set does not need.
pub(crate) type Routes = HashMap<&'static [u8], Route, BuildHasherDefault<NameHash>>;

#[derive(Default)]
pub(crate) struct NameHash(u64);

impl NameHash {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(Self::K).rotate_left(29);
    }
}

impl Hasher for NameHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Per-request options a transport passes along with the bytes.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// A deadline for this request only, overriding every configured one. (A stream request's
    /// `timeout_ms: 0` means "the event's deadline", i.e. `None` here, not a zero deadline.)
    pub timeout: Option<Duration>,
    /// The caller's capability set; `None` means the dispatcher's configured set.
    pub capabilities: Option<Capabilities>,
    /// Fires `CANCELLED` for this request when cancelled before the handler finishes.
    pub cancel: Option<CancelHandle>,
    /// The transport's id for the request, shown to the handler as
    /// [`Context::request_id`](crate::Context::request_id).
    pub request_id: Option<u64>,
}

impl RequestOptions {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }
    pub fn cancel(mut self, handle: CancelHandle) -> Self {
        self.cancel = Some(handle);
        self
    }
    pub fn request_id(mut self, id: u64) -> Self {
        self.request_id = Some(id);
        self
    }
}

/// Runs one encoded request to its one response: an encoded `FFIResponse`.
pub(crate) fn run_bytes<'a>(
    inner: &'a Inner,
    request: &'a [u8],
    options: RequestOptions,
) -> impl Future<Output = Vec<u8>> + Send + 'a {
    Answer(
        Steps::new(
            inner,
            Request::Bytes(request),
            options,
            Form::Envelope,
            true,
        ),
        |outcome| match outcome {
            Ok(envelope) => envelope,
            Err(error) => error_response(error).encode_to_vec(),
        },
    )
}

/// Runs one encoded request to its one response, as a message.
pub(crate) fn run<'a>(
    inner: &'a Inner,
    request: &'a [u8],
    options: RequestOptions,
) -> impl Future<Output = FfiResponse> + Send + 'a {
    Answer(
        Steps::new(inner, Request::Bytes(request), options, Form::Payload, true),
        response,
    )
}

/// Runs a request whose envelope is already taken apart (the JSON bridge's case).
pub(crate) fn run_parts<'a>(
    inner: &'a Inner,
    request: RequestRef<'a>,
    options: RequestOptions,
) -> impl Future<Output = FfiResponse> + Send + 'a {
    Answer(
        Steps::new(inner, Request::Parts(request), options, Form::Payload, true),
        response,
    )
}

fn response(outcome: Result<Vec<u8>, FlowyError>) -> FfiResponse {
    match outcome {
        Ok(payload) => FfiResponse {
            payload,
            code: FfiStatusCode::Ok as i32,
        },
        Err(error) => error_response(error),
    }
}

/// [`Steps`] with its outcome put in the transport's form (an `async` block would hold the
/// steps twice).
struct Answer<'a, T>(Steps<'a>, fn(Result<Vec<u8>, FlowyError>) -> T);

impl<T> Future for Answer<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<T> {
        let this = self.get_mut();
        Pin::new(&mut this.0).poll(cx).map(this.1)
    }
}

/// The rest of a request's work once it left the fast path: the handler's output, encoded.
type BoxedOutput<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FlowyError>> + Send + 'a>>;

/// A request as a transport hands it over.
enum Request<'a> {
    /// An encoded `FFIRequest`.
    Bytes(&'a [u8]),
    /// One taken apart already.
    Parts(RequestRef<'a>),
}

/// The pipeline of one request, as a future. Its first poll runs steps 1-12 up to the
/// handler's first poll in one synchronous call with the task's context; only a handler that
/// waits (or a DEBUG subscriber's span) makes a further, boxed future. So the common case makes
/// no future beyond this small one and moves none around.
struct Steps<'a> {
    inner: &'a Inner,
    args: Option<(Request<'a>, RequestOptions, Form)>,
    /// Whether a `tracing` span may be made (not when already inside one).
    may_trace: bool,
    rest: Option<BoxedOutput<'a>>,
}

impl<'a> Steps<'a> {
    fn new(
        inner: &'a Inner,
        request: Request<'a>,
        options: RequestOptions,
        form: Form,
        may_trace: bool,
    ) -> Self {
        Steps {
            inner,
            args: Some((request, options, form)),
            may_trace,
            rest: None,
        }
    }
}

impl Future for Steps<'_> {
    type Output = Result<Vec<u8>, FlowyError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(rest) = this.rest.as_mut() {
            return rest.as_mut().poll(cx);
        }
        let Some((request, options, form)) = this.args.take() else {
            // Polled after it completed: a bug of the caller, answered rather than panicking.
            return Poll::Ready(Err(FlowyError::new(
                ErrorCode::Internal,
                "dispatcher: request polled after its answer",
            )));
        };
        // 1. The envelope.
        let request = match request {
            Request::Parts(parts) => parts,
            Request::Bytes(bytes) => match RequestRef::decode(bytes) {
                Ok(parts) => parts,
                Err(e) => return Poll::Ready(Err(not_a_request(e))),
            },
        };
        let inner = this.inner;
        // With a DEBUG subscriber, each request runs in a span; without one this is one relaxed
        // load of tracing's global level filter.
        let rest: Pin<Box<dyn Future<Output = _> + Send + '_>> =
            if this.may_trace && tracing::level_enabled!(tracing::Level::DEBUG) {
                Box::pin(traced(inner, request, options, form))
            } else {
                match start(inner, request, options, form, cx) {
                    Started::Done(outcome) => return Poll::Ready(outcome),
                    Started::Waiting(waiting) => Box::pin(waiting.finish()),
                }
            };
        // Polled at once: the handler's waker is registered already, its deadline timer and
        // cancellation waiter are armed by this poll.
        this.rest.insert(rest).as_mut().poll(cx)
    }
}

/// The event name, or the envelope's `INVALID_REQUEST` (step 1) if it is not UTF-8.
fn event_str<'a>(request: &RequestRef<'a>) -> Result<&'a str, FlowyError> {
    request
        .event_str()
        .map_err(|_| not_a_request(envelope::NOT_UTF8.to_owned()))
}

fn not_a_request(e: String) -> FlowyError {
    // 1. The envelope.
    FlowyError::new(
        ErrorCode::InvalidRequest,
        format!("request: not an encoded FFIRequest: {e}"),
    )
}

/// [`Steps`] in a span recording the event, the request id and the outcome.
async fn traced(
    inner: &Inner,
    request: RequestRef<'_>,
    options: RequestOptions,
    form: Form,
) -> Result<Vec<u8>, FlowyError> {
    let span = tracing::debug_span!(
        "eventwire.request",
        event = shorten(&String::from_utf8_lossy(request.event)),
        request_id = options.request_id,
        outcome = tracing::field::Empty,
    );
    let steps = Steps::new(inner, Request::Parts(request), options, form, false);
    if span.is_disabled() {
        return steps.await;
    }
    let result = tracing::Instrument::instrument(steps, span.clone()).await;
    match &result {
        Ok(_) => span.record("outcome", "ok"),
        Err(e) => span.record(
            "outcome",
            ErrorCode::try_from(e.code).map_or("app error", |c| c.as_str_name()),
        ),
    };
    result
}

/// A request whose handler is running and waiting.
struct Waiting<'a> {
    inner: &'a Inner,
    route: &'a Route,
    handler: supervise::Waiting<'a>,
    cancel: Option<CancelHandle>,
    started: tokio::time::Instant,
    deadline: Duration,
    /// Held until the request is answered.
    _admitted: limits::Admitted<'a>,
}

enum Started<'a> {
    Done(Result<Vec<u8>, FlowyError>),
    Waiting(Waiting<'a>),
}

impl Waiting<'_> {
    async fn finish(self) -> Result<Vec<u8>, FlowyError> {
        let Waiting {
            inner,
            route,
            handler,
            cancel,
            started,
            deadline,
            _admitted,
        } = self;
        handler
            .wait(cancel.as_ref(), started, deadline)
            .await
            .map_err(|error| inner.catalog.normalize_answer(route.event, error))
    }
}

/// The checks, the handler's start and its first poll (steps 2-12).
fn start<'a>(
    inner: &'a Inner,
    request: RequestRef<'_>,
    options: RequestOptions,
    form: Form,
    task: &mut TaskContext<'_>,
) -> Started<'a> {
    match admit(inner, request, &options) {
        Ok((route, admitted)) => {
            let cancel = options.cancel;
            let cx = Context::new(
                route.name,
                options.request_id,
                cancel.clone(),
                Notifier::new(inner.center.clone()),
            );
            // Whatever chose it, no deadline exceeds `max_timeout_ms` (SPEC.md REQ-TIME-10).
            let deadline = options
                .timeout
                .unwrap_or(route.timeout)
                .min(inner.config.max_timeout());
            let started = tokio::time::Instant::now();
            // 9-12. Decoding (the handler's typed wrapper), validation (in the handler), the
            // handler itself under supervision (panics caught, raced against its deadline and
            // cancellation), and the output, encoded in `form` by the typed wrapper.
            match supervise::first_poll(
                || route.handler.start(cx, request.payload, form),
                route.name,
                cancel.as_ref(),
                &inner.runtime,
                task,
            ) {
                // The answer's code must be one the event may answer, and carries its schema
                // category.
                supervise::First::Done(outcome) => Started::Done(
                    outcome.map_err(|error| inner.catalog.normalize_answer(route.event, error)),
                ),
                supervise::First::Waiting(handler) => Started::Waiting(Waiting {
                    inner,
                    route,
                    handler,
                    cancel,
                    started,
                    deadline,
                    _admitted: admitted,
                }),
            }
        }
        Err(error) => Started::Done(Err(error)),
    }
}

/// Steps 2-8: the checks before the handler, in the protocol's order; the route and the
/// request's place in the in-flight count.
fn admit<'a>(
    inner: &'a Inner,
    request: RequestRef<'_>,
    options: &RequestOptions,
) -> Result<(&'a Route, limits::Admitted<'a>), FlowyError> {
    // 2. The event name.
    if request.event.is_empty() {
        return Err(FlowyError::new(
            ErrorCode::InvalidRequest,
            "event: must not be empty",
        ));
    }
    // 3. Readiness (after the envelope's last check: an event name that is not UTF-8).
    if !inner.is_ready() {
        event_str(&request)?;
        return Err(FlowyError::new(
            ErrorCode::BackendNotReady,
            "backend: still initialising; retry later",
        ));
    }
    // 4. Routing: exact, case-sensitive. A name that matches is UTF-8.
    let Some(route) = inner.routes.get(request.event) else {
        let name = event_str(&request)?;
        return Err(FlowyError::new(
            ErrorCode::UnknownEvent,
            format!("event: no handler for `{}`", shorten(name)),
        ));
    };
    let event = route.event;
    // 5. Capabilities.
    let capabilities = options
        .capabilities
        .as_ref()
        .unwrap_or(&inner.config.capabilities);
    if !capabilities.allows(event.module, event.name) {
        return Err(FlowyError::new(
            ErrorCode::PermissionDenied,
            format!(
                "event: `{}.{}` is not in the caller's capability set",
                event.module, event.name
            ),
        ));
    }
    // 6. Size.
    let max_payload = inner.config.max_payload_bytes;
    if request.payload.len() > max_payload {
        return Err(FlowyError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "payload: {} bytes, more than the limit of {max_payload}",
                request.payload.len()
            ),
        ));
    }
    // 7. In-flight limit: held until the request is answered, however it ends.
    let admitted = inner.in_flight.try_admit().ok_or_else(|| {
        FlowyError::new(
            ErrorCode::Overloaded,
            format!(
                "backend: {} requests in flight, the limit; retry later",
                inner.in_flight.max()
            ),
        )
    })?;
    // 8. Nesting depth, before any decoding.
    let max_depth = inner.config.max_nesting_depth;
    if nesting::too_deep(request.payload, route.nesting.as_ref(), max_depth) {
        return Err(FlowyError::new(
            ErrorCode::NestingTooDeep,
            format!("payload: nests messages deeper than {max_depth} levels"),
        ));
    }
    Ok((route, admitted))
}

/// An ERR response carrying `error`. Its category is already the schema's: the dispatcher's own
/// errors are made with [`FlowyError::new`], a handler's answer is normalized where it returns.
pub(crate) fn error_response(error: FlowyError) -> FfiResponse {
    FfiResponse {
        payload: error.encode_to_vec(),
        code: FfiStatusCode::Err as i32,
    }
}

fn panicked(event: &str) -> FlowyError {
    FlowyError::new(
        ErrorCode::Internal,
        format!("handler for `{event}` panicked"),
    )
}

fn cancelled() -> FlowyError {
    FlowyError::new(ErrorCode::Cancelled, "request: cancelled by the caller")
}

fn timed_out(event: &str, deadline: Duration) -> FlowyError {
    FlowyError::new(
        ErrorCode::RequestTimeout,
        format!(
            "handler for `{event}` did not finish within {} ms",
            deadline.as_millis()
        ),
    )
}

/// An untrusted name, cut short for an error message.
fn shorten(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    /// Every caller moves the dispatch future at least once (into its own task or a `pin!`),
    /// so its size is memory traffic on every request: it holds the request's arguments and a
    /// pointer, not the pipeline's state (592 bytes before the first poll was made synchronous).
    #[tokio::test]
    async fn the_dispatch_future_stays_small() {
        let d = crate::Dispatcher::builder()
            .schema(&crate::test_schema::SCHEMA)
            .handle_raw("Ping", crate::test_schema::Pong)
            .build()
            .unwrap();
        let request = [0x0a, 0x04, b'P', b'i', b'n', b'g'];
        let future = d.dispatch(&request);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 192, "the dispatch future is {size} bytes");
        assert_eq!(
            future.await,
            Vec::<u8>::new(),
            "Ping answered OK with an empty PongPB"
        );
    }
}

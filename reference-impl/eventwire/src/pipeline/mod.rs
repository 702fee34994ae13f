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
    hash::{BuildHasherDefault, Hasher},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
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

/// Routes by event name. Names are few, short and come from the tables, so FNV-1a (a handful of
/// instructions for a 10-byte name) replaces SipHash's flooding resistance, which a table
/// lookup with a fixed key set does not need.
pub(crate) type Routes = HashMap<&'static str, Route, BuildHasherDefault<Fnv1a>>;

pub(crate) struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |hash, &b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
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


/// Runs the pipeline (`steps`), inside a `tracing` span per request when a subscriber wants DEBUG.
/// Without one this is one relaxed load of tracing's global level filter: no span is made and the
/// pipeline's future is awaited directly, not through another layer.
macro_rules! handle {
    ($inner:expr, $request:expr, $options:expr, $form:expr) => {
        if tracing::level_enabled!(tracing::Level::DEBUG) {
            traced($inner, $request, $options, $form).await
        } else {
            steps($inner, $request, $options, $form).await
        }
    };
}

/// Runs one encoded request to its one response: an encoded `FFIResponse`.
pub(crate) async fn run_bytes(inner: &Inner, request: &[u8], options: RequestOptions) -> Vec<u8> {
    let result = match RequestRef::decode(request) {
        Ok(request) => handle!(inner, request, options, Form::Envelope),
        Err(e) => Err(not_a_request(e)),
    };
    match result {
        Ok(envelope) => envelope,
        Err(error) => error_response(error).encode_to_vec(),
    }
}

/// Runs one encoded request to its one response, as a message.
pub(crate) async fn run(inner: &Inner, request: &[u8], options: RequestOptions) -> FfiResponse {
    match RequestRef::decode(request) {
        Ok(request) => run_parts(inner, request, options).await,
        Err(e) => error_response(not_a_request(e)),
    }
}

/// Runs a request whose envelope is already taken apart (the JSON bridge's case).
pub(crate) async fn run_parts(
    inner: &Inner,
    request: RequestRef<'_>,
    options: RequestOptions,
) -> FfiResponse {
    match handle!(inner, request, options, Form::Payload) {
        Ok(payload) => FfiResponse {
            payload,
            code: FfiStatusCode::Ok as i32,
        },
        Err(error) => error_response(error),
    }
}

fn not_a_request(e: String) -> FlowyError {
    // 1. The envelope.
    FlowyError::new(
        ErrorCode::InvalidRequest,
        format!("request: not an encoded FFIRequest: {e}"),
    )
}


/// [`steps`] in a span recording the event, the request id and the outcome.
async fn traced(
    inner: &Inner,
    request: RequestRef<'_>,
    options: RequestOptions,
    form: Form,
) -> Result<Vec<u8>, FlowyError> {
    let span = tracing::debug_span!(
        "eventwire.request",
        event = shorten(request.event),
        request_id = options.request_id,
        outcome = tracing::field::Empty,
    );
    if span.is_disabled() {
        return steps(inner, request, options, form).await;
    }
    let result = tracing::Instrument::instrument(steps(inner, request, options, form), span.clone()).await;
    match &result {
        Ok(_) => span.record("outcome", "ok"),
        Err(e) => span.record("outcome", ErrorCode::try_from(e.code).map_or("app error", |c| c.as_str_name())),
    };
    result
}

async fn steps(
    inner: &Inner,
    request: RequestRef<'_>,
    options: RequestOptions,
    form: Form,
) -> Result<Vec<u8>, FlowyError> {
    // 2. The event name.
    if request.event.is_empty() {
        return Err(FlowyError::new(
            ErrorCode::InvalidRequest,
            "event: must not be empty",
        ));
    }
    // 3. Readiness.
    if !inner.is_ready() {
        return Err(FlowyError::new(
            ErrorCode::BackendNotReady,
            "backend: still initialising; retry later",
        ));
    }
    // 4. Routing: exact, case-sensitive.
    let route = inner.routes.get(request.event).ok_or_else(|| {
        FlowyError::new(
            ErrorCode::UnknownEvent,
            format!("event: no handler for `{}`", shorten(request.event)),
        )
    })?;
    let event = route.event;
    // 5. Capabilities.
    let capabilities = options
        .capabilities
        .as_ref()
        .unwrap_or(&inner.config.capabilities);
    if !capabilities.allows(&event.module, &event.name) {
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
    // 7. In-flight limit: held until this function returns, however it returns.
    let _admitted = inner.in_flight.try_admit().ok_or_else(|| {
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
    let cancel = options.cancel;
    let cx = Context::new(
        route.name,
        options.request_id,
        cancel.clone(),
        Notifier::new(inner.center.clone()),
    );
    // 9-12. Decoding (the handler's typed wrapper), validation (in the handler), the handler
    // itself under supervision (panics caught, raced against its deadline and cancellation),
    // and the output, encoded in `form` by the typed wrapper.
    // Whatever chose it, no deadline exceeds `max_timeout_ms` (SPEC.md REQ-TIME-10).
    let deadline = options
        .timeout
        .unwrap_or(route.timeout)
        .min(inner.config.max_timeout());
    supervise::supervise(
        || route.handler.start(cx, request.payload, form),
        route.name,
        cancel.as_ref(),
        deadline,
        &inner.runtime,
    )
    .await
    // The answer's code must be one the event may answer, and carries its schema category.
    .map_err(|error| inner.catalog.normalize_answer(route.event, error))
}

/// An ERR response carrying `error`. Its category is already the schema's: the dispatcher's own
/// errors are made with [`FlowyError::new`], a handler's answer is normalized where it returns.
pub(crate) fn error_response(error: FlowyError) -> FfiResponse {
    FfiResponse { payload: error.encode_to_vec(), code: FfiStatusCode::Err as i32 }
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

//! The request path, one step per protocol rule, in the protocol's order (SPEC.md, "Routing and
//! the request pipeline"). Each step either passes the request on or produces its one answer.

mod limits;
mod nesting;

use std::{panic::AssertUnwindSafe, time::Duration};

use eventwire_schema::pb::{ErrorCode, FfiRequest, FfiResponse, FfiStatusCode, FlowyError};
use prost::Message;
use tokio::task::JoinHandle;

pub(crate) use limits::InFlight;

use crate::{Context, Notifier, RequestOptions, dispatcher::Inner};

/// Runs one encoded request to its one response.
pub(crate) async fn run(inner: &Inner, request: &[u8], options: RequestOptions) -> FfiResponse {
    match handle(inner, request, options).await {
        Ok(payload) => FfiResponse {
            payload,
            code: FfiStatusCode::Ok as i32,
        },
        Err(error) => error_response(error),
    }
}

async fn handle(
    inner: &Inner,
    request: &[u8],
    options: RequestOptions,
) -> Result<Vec<u8>, FlowyError> {
    // 1. The envelope.
    let request = FfiRequest::decode(request).map_err(|e| {
        FlowyError::new(
            ErrorCode::InvalidRequest,
            format!("request: not an encoded FFIRequest: {e}"),
        )
    })?;
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
    let route = inner.routes.get(request.event.as_str()).ok_or_else(|| {
        FlowyError::new(
            ErrorCode::UnknownEvent,
            format!("event: no handler for `{}`", shorten(&request.event)),
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
    if nesting::too_deep(&request.payload, event.input.as_ref(), max_depth) {
        return Err(FlowyError::new(
            ErrorCode::NestingTooDeep,
            format!("payload: nests messages deeper than {max_depth} levels"),
        ));
    }
    // 9. Decoding, done by the handler's typed wrapper, which returns the handler's future.
    let cancel = options.cancel.unwrap_or_default();
    let cx = Context::new(
        route.name,
        options.request_id,
        cancel.clone(),
        Notifier::new(inner.center.clone()),
    );
    let future = std::panic::catch_unwind(AssertUnwindSafe(|| {
        route.handler.start(cx, &request.payload)
    }))
    .map_err(|_| panicked(route.name))??;
    // 10-11. Validation happens in the handler; it runs as its own task so that a panic is
    // caught by the runtime, and is raced against its deadline and its cancellation.
    if cancel.is_cancelled() {
        return Err(cancelled());
    }
    let deadline = options.timeout.unwrap_or(route.timeout);
    let mut task = AbortOnDrop(inner.runtime.spawn(future));
    tokio::select! {
        biased;
        joined = &mut task.0 => match joined {
            // 12. The output, already encoded by the typed wrapper.
            Ok(result) => result,
            Err(e) if e.is_panic() => Err(panicked(route.name)),
            Err(_) => Err(FlowyError::new(ErrorCode::Cancelled, "backend: shutting down")),
        },
        () = cancel.cancelled() => Err(cancelled()),
        () = tokio::time::sleep(deadline) => Err(timed_out(route.name, deadline)),
    }
}

/// Aborts the handler's task when the request is answered without it (timeout, cancellation) or
/// when the caller stops waiting: the handler's future is dropped, never left running.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An ERR response carrying `error`, its category made to match its code.
pub(crate) fn error_response(error: FlowyError) -> FfiResponse {
    FfiResponse {
        payload: normalize_error(error).encode_to_vec(),
        code: FfiStatusCode::Err as i32,
    }
}

/// Sets the category the schema assigns to the code. A code the schema does not know cannot be
/// given a category, so it is reported as the handler's own failure instead.
pub(crate) fn normalize_error(mut error: FlowyError) -> FlowyError {
    match ErrorCode::try_from(error.code) {
        Ok(code) => {
            error.category = code.category() as i32;
            error
        }
        Err(_) => FlowyError::new(
            ErrorCode::Internal,
            format!(
                "backend: a handler returned unknown error code {}",
                error.code
            ),
        ),
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

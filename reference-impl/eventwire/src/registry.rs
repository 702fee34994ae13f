//! What a handler is, to the dispatcher: the typed [`Event`] contract generated from the tables,
//! and the type-erased [`RawHandler`] every route stores.

use std::{future::Future, marker::PhantomData, pin::Pin};

use eventwire_schema::pb::{ErrorCode, FlowyError};
use prost::Message;

use crate::{Context, pipeline::Form};

/// One event of the tables, as a type. Generated for every event in [`events`](crate::events).
pub trait Event: Send + Sync + 'static {
    /// The routing name, e.g. `SignIn`.
    const NAME: &'static str;
    /// The module whose table declares it.
    const MODULE: &'static str;
    /// The stable numeric id from the table.
    const ID: u32;
    /// The input message; `()` for an event without input.
    type Input: Message + Default + Send + 'static;
    /// The output message; `()` for an event without output.
    type Output: Message + Default + Send + 'static;
}

/// One notification kind of the tables, as a type. Generated for every notification in
/// [`notifications`](crate::notifications).
pub trait NotificationKind: Send + Sync + 'static {
    const NAME: &'static str;
    /// The `source` it is sent with (its module).
    const SOURCE: &'static str;
    /// The `ty` it is sent with, unique within `SOURCE` only.
    const TY: i32;
    type Payload: Message;
}

/// The future of a running handler: the encoded output, or the error to answer with.
pub type HandlerFuture =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, FlowyError>> + Send + 'static>>;

/// A handler with its types erased, as the dispatcher stores it. Typed handlers registered with
/// [`DispatcherBuilder::handle`](crate::DispatcherBuilder::handle) become one of these; a plugin
/// loaded at run time can implement it directly and register with
/// [`DispatcherBuilder::handle_raw`](crate::DispatcherBuilder::handle_raw).
pub trait RawHandler: Send + Sync + 'static {
    /// Decodes `payload` as the event's input (an error here is answered as is, normally
    /// `PROTOBUF_SERDE`) and returns the future that runs the handler. The payload has already
    /// passed the size and nesting checks.
    fn start(&self, cx: Context, payload: &[u8]) -> Result<HandlerFuture, FlowyError>;
}

/// How the dispatcher starts a handler: [`RawHandler::start`], plus the form the output should
/// take, so a typed handler can encode its output straight into the response envelope.
pub(crate) trait Start: Send + Sync + 'static {
    /// As [`RawHandler::start`]; the future's `Ok` value is in `form`.
    fn start(&self, cx: Context, payload: &[u8], form: Form) -> Result<HandlerFuture, FlowyError>;
}

/// A handler registered with [`DispatcherBuilder::handle_raw`](crate::DispatcherBuilder::handle_raw):
/// its output arrives encoded, and is wrapped in the envelope when one is wanted.
pub(crate) struct Raw<H>(pub(crate) H);

impl<H: RawHandler> Start for Raw<H> {
    fn start(&self, cx: Context, payload: &[u8], form: Form) -> Result<HandlerFuture, FlowyError> {
        let future = self.0.start(cx, payload)?;
        Ok(match form {
            Form::Payload => future,
            Form::Envelope => Box::pin(async move { future.await.map(|out| form.wrap(out)) }),
        })
    }
}

/// A typed handler function for event `E`.
pub(crate) struct Typed<E, F> {
    f: F,
    _event: PhantomData<fn() -> E>,
}

impl<E, F> Typed<E, F> {
    pub(crate) fn new(f: F) -> Self {
        Typed {
            f,
            _event: PhantomData,
        }
    }
}

impl<E, F, Fut> Start for Typed<E, F>
where
    E: Event,
    F: Fn(Context, E::Input) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<E::Output, FlowyError>> + Send + 'static,
{
    fn start(&self, cx: Context, payload: &[u8], form: Form) -> Result<HandlerFuture, FlowyError> {
        let input = E::Input::decode(payload).map_err(|e| {
            FlowyError::new(
                ErrorCode::ProtobufSerde,
                format!("payload: not a valid `{}` input: {e}", E::NAME),
            )
        })?;
        let fut = (self.f)(cx, input);
        Ok(Box::pin(
            async move { fut.await.map(|out| form.encode(&out)) },
        ))
    }
}

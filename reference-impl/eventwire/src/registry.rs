//! What a handler is, to the dispatcher: the typed [`Event`] contract generated from the tables,
//! the type-erased [`RawHandler`] every route stores, and the [`Form`] its output takes.

use std::{future::Future, marker::PhantomData, pin::Pin};

use eventwire_schema::pb::{ErrorCode, FlowyError};
use prost::Message;

use crate::context::Context;

/// One event of the tables, as a type. `eventwire-build` generates one for every event of the
/// app's tables, in the generated `events` module.
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
        Ok(Box::pin(Encoded {
            future: (self.f)(cx, input),
            form,
        }))
    }
}

pin_project_lite::pin_project! {
    /// A typed handler's future, its output encoded in `form`. A struct rather than an `async`
    /// block, which would hold the handler's future twice (captured, and being awaited) and move
    /// it from one to the other on the first poll.
    struct Encoded<Fut> {
        #[pin]
        future: Fut,
        form: Form,
    }
}

impl<Fut, T> Future for Encoded<Fut>
where
    Fut: Future<Output = Result<T, FlowyError>>,
    T: Message,
{
    type Output = Result<Vec<u8>, FlowyError>;

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let form = *this.form;
        this.future
            .poll(cx)
            .map(|outcome| outcome.map(|out| form.encode(&out)))
    }
}

/// What a successful request is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The encoded output message alone (for callers that build the `FfiResponse` message).
    Payload,
    /// The complete encoded OK `FFIResponse` around the output (for byte transports).
    Envelope,
}

impl Form {
    /// Encodes `output` in this form, in one buffer of the exact size.
    pub(crate) fn encode(self, output: &impl Message) -> Vec<u8> {
        match self {
            Form::Payload => output.encode_to_vec(),
            Form::Envelope => {
                let len = output.encoded_len();
                if len == 0 {
                    return Vec::new();
                }
                let mut bytes = Vec::with_capacity(envelope_header_len(len) + len);
                write_envelope_header(len, &mut bytes);
                output.encode_raw(&mut bytes);
                bytes
            }
        }
    }

    /// Puts already encoded output into this form.
    pub(crate) fn wrap(self, output: Vec<u8>) -> Vec<u8> {
        match self {
            Form::Payload => output,
            Form::Envelope if output.is_empty() => output,
            Form::Envelope => {
                let mut bytes =
                    Vec::with_capacity(envelope_header_len(output.len()) + output.len());
                write_envelope_header(output.len(), &mut bytes);
                bytes.extend_from_slice(&output);
                bytes
            }
        }
    }
}

/// An OK `FFIResponse` with a non-empty payload is field 1 (tag byte 0x0a), the payload's length
/// as a varint, the payload; `code` is OK (0), the default, so it is not written. This is
/// prost's canonical encoding of the message, which a test checks.
fn write_envelope_header(payload_len: usize, bytes: &mut Vec<u8>) {
    bytes.push(0x0a);
    prost::encoding::encode_varint(payload_len as u64, bytes);
}

fn envelope_header_len(payload_len: usize) -> usize {
    1 + prost::encoding::encoded_len_varint(payload_len as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire_schema::pb::{FfiResponse, FfiStatusCode};
    use eventwire_schema::project_pb::PongPb;

    #[test]
    fn envelope_form_is_prosts_encoding_of_the_ok_response() {
        for size in [0usize, 1, 127, 128, 300, 16_384, 70_000] {
            let output = PongPb {
                message: "x".repeat(size),
            };
            let expected = FfiResponse {
                payload: output.encode_to_vec(),
                code: FfiStatusCode::Ok as i32,
            }
            .encode_to_vec();
            assert_eq!(Form::Envelope.encode(&output), expected, "size {size}");
            assert_eq!(
                Form::Envelope.wrap(output.encode_to_vec()),
                expected,
                "size {size}"
            );
            assert_eq!(Form::Payload.encode(&output), output.encode_to_vec());
        }
    }
}

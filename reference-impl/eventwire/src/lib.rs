//! Eventwire's runtime: a dispatcher for any application's schema.
//!
//! A front end sends an encoded `FFIRequest {event, payload}`; the [`Dispatcher`] routes it to the
//! one handler registered for `event` and answers exactly once with an encoded
//! `FFIResponse {payload, code}`: the output message, or an encoded [`FlowyError`] whose category
//! is always set. Panics, timeouts, cancellation, overload and malformed bytes all get a typed
//! answer, and the dispatcher keeps serving afterwards. Handlers push notifications
//! (`SubscribeObject`) through their [`Context`]; every [`Session`] receives them, numbered, on the
//! same ordered queue as its responses.
//!
//! The application's schema (its `.proto` files and YAML event tables) is compiled by
//! `eventwire-build` in the application's `build.rs`, which writes to `OUT_DIR` the prost types,
//! one marker type per event and notification, one handler trait per module and the schema as a
//! value ([`Schema`]). [`include_generated!`] brings them in. A handler with the wrong types does
//! not compile, and [`DispatcherBuilder::build`] refuses to start unless every event of the
//! dispatcher's schemas has exactly one handler.
//!
//! In an application (`docs/your-app.md` walks through it):
//!
//! ```ignore
//! mod api {
//!     eventwire::include_generated!();
//! }
//! use api::{events, handlers, todo::v1 as pb};
//!
//! let dispatcher = eventwire::Dispatcher::builder()
//!     .mount(handlers::todo::Module(Todos::default()))
//!     .build()?;
//! let todo = dispatcher.call::<events::CreateTodo>(pb::CreateTodoPayloadPb { title: "Milk".into() }).await?;
//! ```
//!
//! The same with the conformance module, which is built the same way:
//!
//! ```
//! use eventwire::{Dispatcher, pb};
//! use eventwire_conformance_module::events;
//! use prost::Message;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dispatcher = Dispatcher::builder().mount(eventwire_conformance_module::module()).build()?;
//!
//! // Typed, for Rust callers:
//! let pong = dispatcher.call::<events::Ping>(()).await?;
//! assert_eq!(pong.message, "pong");
//!
//! // As bytes, the way every transport carries requests:
//! let request = pb::FfiRequest { event: "Ping".into(), payload: vec![] }.encode_to_vec();
//! let response = pb::FfiResponse::decode(dispatcher.dispatch(&request).await.as_slice())?;
//! assert_eq!(response.code, pb::FfiStatusCode::Ok as i32);
//! # Ok(())
//! # }
//! ```
//!
//! Transports build on three entry points: [`Dispatcher::dispatch`] /
//! [`Dispatcher::dispatch_with`] (one request in, one response out), [`Session`] (many requests
//! with ids, cancellation, and notifications on one ordered [`SessionReceiver`]), and the JSON
//! bridge in [`json_bridge`]. Stream transports frame their bytes with [`framing`] (SPEC.md
//! section 13.3) and greet each other with [`handshake`] (section 16.5).

mod cancel;
mod catalog;
mod config;
mod context;
mod dispatcher;
pub mod framing;
pub mod handshake;
pub mod json_bridge;
mod notify;
mod pipeline;
mod problems;
mod registry;
pub mod schema;
mod session;
pub mod sync;

pub use cancel::CancelHandle;
pub use config::{Capabilities, CapabilityError, Config, ConfigError};
pub use context::Context;
pub use dispatcher::{Dispatcher, DispatcherBuilder, Mount};
pub use eventwire_schema::pb::{ErrorCategory, ErrorCode, FlowyError};
pub use eventwire_schema::{Code, is_protocol_number, pb};
pub use handshake::{HandshakeOutcome, Incompatibility};
pub use notify::{
    DROP_MARKER_SOURCE, DROP_MARKER_TY, NotificationBody, NotificationKind, Notifier,
    UndeclaredNotification, is_drop_marker,
};
pub use pipeline::RequestOptions;
pub use problems::{BuildError, BuildProblem};
pub use registry::{Event, HandlerFuture, RawHandler};
pub use schema::Schema;
pub use session::{
    ANSWER_ENTRY_BYTES, Outbound, QueueHook, Queued, Reply, Session, SessionConfig, SessionEnded,
    SessionReceiver, TryRecvError,
};

/// Includes the code `eventwire-build` generated in `OUT_DIR`: the application's prost types
/// (one module per protobuf package), `events`, `notifications`, `handlers` and `SCHEMA`.
#[macro_export]
macro_rules! include_generated {
    () => {
        include!(concat!(env!("OUT_DIR"), "/eventwire_generated.rs"));
    };
}

/// What generated code refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use std::{future::Future, sync::Arc};
}

/// A one-event schema for the unit tests (the real ones live in other crates).
#[cfg(test)]
pub(crate) mod test_schema {
    use crate::{
        Context, FlowyError, HandlerFuture, RawHandler,
        schema::{ErrorsDef, EventDef, ModuleDef, Schema, SchemaDef},
    };

    pub(crate) static SCHEMA: Schema = Schema::new(SchemaDef {
        name: "unit-tests",
        descriptor_set: eventwire_schema::FILE_DESCRIPTOR_SET,
        modules: &[ModuleDef {
            name: "conformance",
            package: "eventwire.v1",
            file: "unit-tests.yaml",
            events: &[EventDef {
                name: "Ping",
                module: "conformance",
                id: 1,
                input: None,
                output: Some("eventwire.v1.PongPB"),
                errors: ErrorsDef::Codes(&[]),
                timeout_ms: None,
                line: 0,
            }],
            notifications: &[],
        }],
        error_codes: &[],
    });

    /// Answers `Ping` with an empty `PongPB`.
    pub(crate) struct Pong;

    impl RawHandler for Pong {
        fn start(&self, _cx: Context, _payload: &[u8]) -> Result<HandlerFuture, FlowyError> {
            Ok(Box::pin(async { Ok(Vec::new()) }))
        }
    }
}

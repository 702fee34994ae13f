//! Eventwire's reference dispatcher.
//!
//! A front end sends an encoded `FFIRequest {event, payload}`; the [`Dispatcher`] routes it to the
//! one handler registered for `event` and answers exactly once with an encoded
//! `FFIResponse {payload, code}`: the output message, or an encoded [`FlowyError`] whose category
//! is always set. Panics, timeouts, cancellation, overload and malformed bytes all get a typed
//! answer, and the dispatcher keeps serving afterwards. Handlers push notifications
//! (`SubscribeObject`) through their [`Context`]; every [`Session`] receives them, numbered, on the
//! same ordered queue as its responses.
//!
//! Handlers are written against traits generated from the event tables (`schema/events/*.yaml`),
//! one per module ([`plugins`]), so a handler with the wrong types does not compile, and
//! [`DispatcherBuilder::build`] refuses to start unless every event has exactly one handler.
//!
//! ```
//! use eventwire::{Dispatcher, events, pb};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut builder = Dispatcher::builder();
//! // The sample application and the conformance module; an app registers its own plugins here.
//! eventwire::app::register_all(&mut builder);
//! let dispatcher = builder.build()?;
//!
//! // Typed, for Rust callers:
//! let input = pb::SignInPayloadPb { email: "ada@example.org".into(), password: "pw".into(), name: "Ada".into() };
//! let profile = dispatcher.call::<events::SignIn>(input).await.expect("signed in");
//! assert_eq!(profile.id, 1);
//!
//! // As bytes, the way every transport carries requests:
//! use prost::Message;
//! let request = pb::FfiRequest { event: "GetUserProfile".into(), payload: vec![] }.encode_to_vec();
//! let response = pb::FfiResponse::decode(dispatcher.dispatch(&request).await.as_slice())?;
//! assert_eq!(response.code, pb::FfiStatusCode::Ok as i32);
//! assert_eq!(pb::UserProfilePb::decode(response.payload.as_slice())?.email, "ada@example.org");
//! # Ok(())
//! # }
//! ```
//!
//! Transports build on three entry points: [`Dispatcher::dispatch`] /
//! [`Dispatcher::dispatch_with`] (one request in, one response out), [`Session`] (many requests
//! with ids, cancellation, and notifications on one ordered [`SessionReceiver`]), and the JSON
//! bridge in [`json_bridge`].

pub mod app;
pub mod cancel;
pub mod config;
pub mod context;
pub mod dispatcher;
pub mod handlers;
pub mod json_bridge;
pub mod notify;
mod pipeline;
pub mod registry;
pub mod session;

/// Code generated from the event tables by `build.rs`: [`events`], [`notifications`], [`plugins`].
pub mod generated {
    #![allow(missing_docs, clippy::all)]
    include!(concat!(env!("OUT_DIR"), "/eventwire_generated.rs"));
}

pub use cancel::CancelHandle;
pub use config::{Capabilities, CapabilityError, Config, ConfigError};
pub use context::Context;
pub use dispatcher::{BuildError, BuildProblem, Dispatcher, DispatcherBuilder, RequestOptions};
pub use eventwire_schema::pb;
pub use eventwire_schema::pb::{ErrorCategory, ErrorCode, FlowyError};
pub use generated::{events, notifications, plugins};
pub use notify::{NotificationBody, Notifier, UndeclaredNotification};
pub use registry::{Event, HandlerFuture, NotificationKind, RawHandler};
pub use session::{Outbound, Session, SessionConfig, SessionReceiver, TryRecvError};

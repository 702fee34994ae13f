//! The sample application of the golden vectors and the conformance suite's `sample-app`
//! feature: a signed-in user (module `user`) and documents edited by view id (module `document`),
//! with in-memory state. It is an ordinary Eventwire application: its schema is compiled by
//! `eventwire-build` in `build.rs`, and its handlers implement the generated traits.

mod generated {
    ::eventwire::include_generated!();
}
mod document;
mod user;

use eventwire::{Code, DispatcherBuilder, FlowyError};

pub use document::Documents;
pub use generated::{SCHEMA, events, handlers, notifications};
pub use user::Users;

/// The application's messages (package `eventwire.v1`).
pub use generated::eventwire::v1 as pb;

/// Mounts both modules, each with fresh in-memory state.
pub fn mount(builder: DispatcherBuilder) -> DispatcherBuilder {
    builder
        .mount(handlers::user::Module(Users::default()))
        .mount(handlers::document::Module(Documents::default()))
}

/// An error whose message names the field first, as the protocol asks: `field: problem`.
pub(crate) fn field_error(
    code: impl Code,
    field: &str,
    problem: impl std::fmt::Display,
) -> FlowyError {
    FlowyError::new(code, format!("{field}: {problem}"))
}

/// The project's reference backend, used by its tests, benchmarks, C library, host binary and
/// conformance runner: this application and the conformance module, under one set of paths.
pub mod reference {
    /// The protocol's messages, the conformance module's and the application's.
    pub mod pb {
        pub use crate::pb::*;
        pub use eventwire::pb::*;
        pub use eventwire_conformance_module::pb::*;
    }
    /// Every event marker of both.
    pub mod events {
        pub use crate::events::*;
        pub use eventwire_conformance_module::events::*;
    }
    /// Every notification marker of both.
    pub mod notifications {
        pub use crate::notifications::*;
        pub use eventwire_conformance_module::notifications::*;
    }
    pub use eventwire_conformance_module::{Conformance, ConformanceHandlers};

    /// The schemas of both.
    pub fn schemas() -> [&'static eventwire::Schema; 2] {
        [&crate::SCHEMA, &eventwire_conformance_module::SCHEMA]
    }

    /// A builder with both schemas and no handler.
    pub fn builder() -> eventwire::DispatcherBuilder {
        schemas().into_iter().fold(
            eventwire::Dispatcher::builder(),
            eventwire::DispatcherBuilder::schema,
        )
    }

    /// Mounts the application and the conformance module, with fresh state.
    pub fn mount(builder: eventwire::DispatcherBuilder) -> eventwire::DispatcherBuilder {
        crate::mount(builder).mount(eventwire_conformance_module::module())
    }
}

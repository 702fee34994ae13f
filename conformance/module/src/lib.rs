//! The conformance module (SPEC.md section 14): events whose behaviour the protocol fixes
//! exactly, so that the conformance suite's backend role can test any backend. Mount it next to
//! the application's own modules:
//!
//! ```ignore
//! let dispatcher = Dispatcher::builder()
//!     .mount(my_app::handlers::todo::Module(Todos::default()))
//!     .mount(eventwire_conformance_module::module())
//!     .build()?;
//! ```
//!
//! A production build may leave it out; a backend that mounts it answers every case of the
//! backend role that does not need an optional feature.

mod generated {
    ::eventwire::include_generated!();
}
mod conformance;

pub use conformance::{Conformance, MAX_EMIT};
pub use generated::{SCHEMA, events, handlers, notifications};

/// The module's messages (package `eventwire.v1`, file `eventwire/v1/conformance.proto`).
pub use generated::eventwire::v1 as pb;

/// The handler trait of the `conformance` module.
pub use generated::handlers::conformance::ConformanceHandlers;

/// The module, ready to mount on a `DispatcherBuilder`.
pub fn module() -> generated::handlers::conformance::Module<Conformance> {
    generated::handlers::conformance::Module(Conformance)
}

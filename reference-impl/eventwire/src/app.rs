//! The reference backend's own plugins, registered together. An application registers its own
//! plugins instead (each module's `plugins::<module>::register`).

use crate::{
    DispatcherBuilder,
    handlers::{conformance::Conformance, document::Documents, user::Users},
    plugins,
};

/// Registers the sample application (`user`, `document`) and the `conformance` module, each with
/// fresh in-memory state.
pub fn register_all(builder: &mut DispatcherBuilder) {
    plugins::user::register(builder, Users::default());
    plugins::document::register(builder, Documents::default());
    plugins::conformance::register(builder, Conformance);
}

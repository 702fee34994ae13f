//! Eventwire's reference backend: the sample application (modules `user` and `document`) and the
//! conformance module, served by the C ABI (`libeventwire_reference.{so,dylib,a}`, header
//! `reference-impl/ffi/include/eventwire.h`) and by the `eventwire-host --stdio` process. It is an
//! ordinary application of Eventwire's crates, built as any application builds its own.

use eventwire::DispatcherBuilder;

/// Mounts the sample application and the conformance module, with fresh state.
pub fn mount(builder: DispatcherBuilder) -> DispatcherBuilder {
    eventwire_sample_app::mount(builder).mount(eventwire_conformance_module::module())
}

eventwire_ffi::backend!(mount);

/// The C ABI's functions, for Rust code that calls them in process (tests, benchmarks).
pub use eventwire_ffi::*;

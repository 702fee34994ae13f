//! Eventwire's reference backend as a C library: the C ABI of SPEC.md section 13.2.
//!
//! The header `include/eventwire.h` is generated from this crate by cbindgen and checked in; a
//! test regenerates it and fails when it differs, and another checks every declaration against the
//! normative header in SPEC.md.
//!
//! How the pieces fit:
//! - [`abi`]: the return codes and callback types, exactly as the header names them.
//! - `exports`: the `extern "C"` functions; each runs inside [`boundary`], so no panic unwinds
//!   into C.
//! - `library`: what `eventwire_init` starts: a tokio runtime owned by the library, the
//!   dispatcher with the sample application and the conformance module, and one session whose
//!   ordered outbound queue carries both responses and notifications.
//! - `delivery`: the one library-owned thread that drains that queue and invokes the callbacks,
//!   so a handler's notifications reach C before its response.
//! - `buffer`: the buffers handed to C (sync-call responses, callback arguments), which the
//!   receiver owns and releases with `eventwire_free`.
//! - `config`: the configuration JSON.

// Catching panics at the boundary needs unwinding; with `panic = "abort"` a panic would abort the
// host process, which the C ABI forbids (REQ-TRANS-CABI-2).
#[cfg(not(panic = "unwind"))]
compile_error!("eventwire-ffi must be built with panic = \"unwind\": panics are caught at the C boundary");

pub mod abi;
mod boundary;
mod buffer;
mod config;
mod delivery;
mod exports;
mod library;

pub use abi::*;
pub use exports::*;

/// The backend this library serves: the sample application and the conformance module.
fn mount(builder: eventwire::DispatcherBuilder) -> eventwire::DispatcherBuilder {
    eventwire_sample_app::mount(builder).mount(eventwire_conformance_module::module())
}

//! The C ABI of SPEC.md section 13.2 for any Eventwire backend: link this crate into your own
//! `cdylib` or `staticlib` and name the function that mounts your modules:
//!
//! ```ignore
//! // src/lib.rs of an app built as crate-type = ["cdylib", "staticlib"]
//! eventwire_ffi::backend!(my_app::mount);
//! ```
//!
//! `eventwire_init` then builds a dispatcher with `my_app::mount(Dispatcher::builder())`, adding
//! the configuration and its own runtime. The exported functions, their guarantees and the header
//! are the same for every backend. A library that forgets `backend!` does not link: the symbol
//! `__eventwire_ffi_mount` is undefined. The reference library (the sample application and the
//! conformance module) is crate `eventwire-reference`.
//!
//! The header `include/eventwire.h` is generated from this crate by cbindgen and checked in; a
//! test regenerates it and fails when it differs, and another checks every declaration against the
//! normative header in SPEC.md.
//!
//! How the pieces fit:
//! - [`abi`]: the return codes and callback types, exactly as the header names them.
//! - `exports`: the `extern "C"` functions; each runs inside `boundary`, so no panic unwinds
//!   into C.
//! - `library`: what `eventwire_init` starts: a tokio runtime owned by the library, the
//!   dispatcher the application's `backend!` mounts, and one session whose ordered outbound queue
//!   carries both responses and notifications.
//! - `delivery`: who drains that queue and invokes the callbacks, one at a time and in order (so
//!   a handler's notifications reach C before its response): the worker that completed a call
//!   when no delivery is in progress, otherwise the library's callback thread. Synchronous calls
//!   are answered to their thread directly.
//! - `buffer`: the buffers handed to C (sync-call responses, callback arguments), which the
//!   receiver owns and releases with `eventwire_free`.
//!
//! The configuration JSON of `eventwire_init` is [`eventwire::Config::from_json`]'s, the same
//! document the stdio host reads; zero bytes mean the defaults.

// Catching panics at the boundary needs unwinding; with `panic = "abort"` a panic would abort the
// host process, which the C ABI forbids (REQ-TRANS-CABI-2).
#[cfg(not(panic = "unwind"))]
compile_error!(
    "eventwire-ffi must be built with panic = \"unwind\": panics are caught at the C boundary"
);

pub mod abi;
mod boundary;
mod buffer;
mod delivery;
mod exports;
mod library;

pub use abi::*;
pub use exports::*;

/// Names the function that mounts the application's modules on the dispatcher `eventwire_init`
/// builds. Invoke it once, in the crate that is built as the `cdylib` or `staticlib`.
#[macro_export]
macro_rules! backend {
    ($mount:path) => {
        /// The application's backend for the Eventwire C ABI (`eventwire_ffi::backend!`).
        #[unsafe(no_mangle)]
        pub fn __eventwire_ffi_mount(
            builder: $crate::__private::DispatcherBuilder,
        ) -> $crate::__private::DispatcherBuilder {
            $mount(builder)
        }
    };
}

/// What `backend!` expands to refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use eventwire::DispatcherBuilder;
}

/// The hook `backend!` defines in the application's crate.
///
/// # Safety
/// Calling the function is sound once it is defined, which the linker ensures: `backend!` defines
/// it as a safe Rust function with exactly this signature.
#[allow(unused_doc_comments)] // rustdoc does not show extern blocks; the text is for the reader
unsafe extern "Rust" {
    /// Defined by `backend!` in the application's crate.
    ///
    /// # Safety
    /// Always safe to call once defined: `backend!` defines it as a safe Rust function with this
    /// signature. Declared here only so that the C functions can reach it.
    fn __eventwire_ffi_mount(builder: eventwire::DispatcherBuilder)
    -> eventwire::DispatcherBuilder;
}

/// The application's backend, as `backend!` names it.
fn mount(builder: eventwire::DispatcherBuilder) -> eventwire::DispatcherBuilder {
    // SAFETY: `backend!` defines the symbol with exactly this Rust signature; the linker refuses a
    // library in which no crate defines it.
    unsafe { __eventwire_ffi_mount(builder) }
}

//! The constants and types of `eventwire.h`, with the names C sees.

#![allow(non_camel_case_types)]

use std::ffi::c_void;

/// The call succeeded.
pub const EVENTWIRE_OK: i32 = 0;
/// A required pointer was null.
pub const EVENTWIRE_ERR_NULL_ARGUMENT: i32 = 1;
/// `eventwire_init` has not succeeded (or `eventwire_shutdown` has run since).
pub const EVENTWIRE_ERR_NOT_INITIALIZED: i32 = 2;
/// `eventwire_init` was called while the library is initialised.
pub const EVENTWIRE_ERR_ALREADY_INITIALIZED: i32 = 3;
/// The configuration bytes are not valid configuration JSON.
pub const EVENTWIRE_ERR_INVALID_CONFIG: i32 = 4;
/// An asynchronous call was made before a response callback was set.
pub const EVENTWIRE_ERR_NO_CALLBACK: i32 = 5;
/// A panic was caught inside the library, or a call that would deadlock was refused (a
/// synchronous call or shutdown from inside a callback). The library remains usable.
pub const EVENTWIRE_ERR_INTERNAL: i32 = 6;
/// The call was not made: the answers not yet delivered to the callbacks have reached
/// `max_queued_answer_bytes` (a callback is slow or blocked). Retry once callbacks have run.
pub const EVENTWIRE_ERR_OVERLOADED: i32 = 7;

/// Receives the one response to an asynchronous call: an encoded `FFIResponse`.
///
/// Ownership: the buffer is transferred to the receiver. It stays valid after the callback
/// returns, until the receiver releases it with `eventwire_free(response, len)`, which it must do
/// exactly once (from any thread, inside the callback or later). When `len` is 0, `response` is
/// NULL, must not be read, and freeing it does nothing.
pub type eventwire_response_cb = Option<
    unsafe extern "C" fn(request_id: u64, response: *const u8, len: usize, user_data: *mut c_void),
>;

/// Receives one notification: an encoded `SubscribeObject` (with this subscriber's `seq`).
///
/// Ownership: as for `eventwire_response_cb`, the buffer is transferred to the receiver, stays
/// valid after the callback returns, and must be released exactly once with
/// `eventwire_free(subscribe_object, len)`. When `len` is 0 it is NULL.
pub type eventwire_notification_cb =
    Option<unsafe extern "C" fn(subscribe_object: *const u8, len: usize, user_data: *mut c_void)>;

//! The exported functions of `eventwire.h`. Each one checks its arguments, runs inside
//! [`guard`] and returns one of the codes of [`crate::abi`]; the contracts are those of SPEC.md
//! section 13.2 (REQ-TRANS-CABI-*).

use std::ffi::c_void;

use eventwire::sync::lock;

use crate::{
    abi::*,
    boundary::{guard, in_callback},
    buffer,
    delivery::UserData,
    library::{self, invalid_request},
};

/// Reads `len` bytes at `ptr`: `Ok(empty)` when `len` is 0 (whatever `ptr` is), `Err` when `ptr`
/// is null with a non-zero length or the length cannot be that of a buffer.
///
/// # Safety
/// When `ptr` is non-null and `len` is non-zero, `ptr` must point to `len` readable bytes.
unsafe fn read_bytes(ptr: *const u8, len: usize) -> Result<Vec<u8>, &'static str> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err("request: null pointer with a non-zero length");
    }
    if len > isize::MAX as usize {
        return Err("request: length larger than any buffer");
    }
    // SAFETY: `ptr` is non-null and `len` fits in isize; the caller guarantees the bytes are
    // readable for the duration of this call, and they are copied before it returns.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec())
}

/// Starts the backend. `config` is UTF-8 JSON (SPEC.md section 13.2, "Configuration");
/// `config_len` 0 means the defaults, whatever `config` is.
///
/// # Safety
/// When `config_len` is non-zero, `config` must be null or point to `config_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_init(config: *const u8, config_len: usize) -> i32 {
    guard(|| {
        if config_len != 0 && config.is_null() {
            return EVENTWIRE_ERR_NULL_ARGUMENT;
        }
        if library::current().is_some() {
            return EVENTWIRE_ERR_ALREADY_INITIALIZED;
        }
        // SAFETY: non-null with a non-zero length, as checked; the caller's contract covers the rest.
        let Ok(bytes) = (unsafe { read_bytes(config, config_len) }) else {
            return EVENTWIRE_ERR_INVALID_CONFIG;
        };
        match eventwire::Config::from_json(&bytes) {
            Ok(config) => library::start(config),
            Err(e) => {
                eprintln!("eventwire: invalid configuration: {e}");
                EVENTWIRE_ERR_INVALID_CONFIG
            }
        }
    })
}

/// Installs the response callback (replacing any previous one). The callback owns each buffer it
/// receives and must release it with `eventwire_free`.
///
/// # Safety
/// `cb` must be safe to call from any of the library's threads (one callback at a time, never on
/// a thread that called into the library) with `user_data` until it is
/// replaced or the library is shut down.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_set_response_callback(
    cb: eventwire_response_cb,
    user_data: *mut c_void,
) -> i32 {
    guard(|| {
        let Some(shared) = library::current() else {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        };
        let Some(cb) = cb else {
            return EVENTWIRE_ERR_NULL_ARGUMENT;
        };
        *lock(&shared.registry.response_cb) = Some((cb, UserData(user_data)));
        EVENTWIRE_OK
    })
}

/// Installs the notification callback, or removes it when `cb` is NULL. The callback owns each
/// buffer it receives and must release it with `eventwire_free`.
///
/// # Safety
/// As for `eventwire_set_response_callback`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_set_notification_callback(
    cb: eventwire_notification_cb,
    user_data: *mut c_void,
) -> i32 {
    guard(|| {
        let Some(shared) = library::current() else {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        };
        *lock(&shared.registry.notification_cb) = cb.map(|cb| (cb, UserData(user_data)));
        EVENTWIRE_OK
    })
}

/// Starts a call; with `EVENTWIRE_OK`, the response callback is called exactly once for
/// `request_id` with an encoded `FFIResponse`. The request bytes are copied before returning.
/// `EVENTWIRE_ERR_OVERLOADED` when the answers not yet delivered to the callbacks reach
/// `max_queued_answer_bytes`, and `EVENTWIRE_ERR_NOT_INITIALIZED` when shutdown has begun: the
/// call was not made and no callback comes for it.
///
/// # Safety
/// When `request` is non-null and `len` is non-zero, `request` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_async_call(
    request_id: u64,
    request: *const u8,
    len: usize,
) -> i32 {
    guard(|| {
        let Some(shared) = library::current() else {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        };
        if lock(&shared.registry.response_cb).is_none() {
            return EVENTWIRE_ERR_NO_CALLBACK;
        }
        // SAFETY: the caller's contract, forwarded.
        let bytes = unsafe { read_bytes(request, len) };
        if shared.over_answer_budget() {
            return EVENTWIRE_ERR_OVERLOADED;
        }
        // Not taken only when shutdown has already closed the session (REQ-TRANS-CABI-13).
        if !shared.call_async(request_id, bytes) {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        }
        EVENTWIRE_OK
    })
}

/// Runs a call to its response, blocking. `*out`/`*out_len` receive an encoded `FFIResponse`
/// allocated by the library and transferred to the caller, who must release it exactly once with
/// `eventwire_free(*out, *out_len)`; an empty response is NULL/0. `EVENTWIRE_ERR_OVERLOADED` and
/// `EVENTWIRE_ERR_NOT_INITIALIZED` as for `eventwire_async_call` (nothing is stored then).
///
/// # Safety
/// `request` as for `eventwire_async_call`; `out` and `out_len` must be null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_sync_call(
    request: *const u8,
    len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> i32 {
    guard(|| {
        let Some(shared) = library::current() else {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        };
        if in_callback() {
            return EVENTWIRE_ERR_INTERNAL;
        }
        if out.is_null() || out_len.is_null() {
            return EVENTWIRE_ERR_NULL_ARGUMENT;
        }
        if shared.over_answer_budget() {
            return EVENTWIRE_ERR_OVERLOADED;
        }
        // SAFETY: the caller's contract, forwarded.
        let response = match unsafe { read_bytes(request, len) } {
            Ok(bytes) => match shared.call_sync(bytes) {
                Some(response) => response,
                // Not taken only when shutdown has already closed the session.
                None => return EVENTWIRE_ERR_NOT_INITIALIZED,
            },
            Err(reason) => invalid_request(reason),
        };
        let (ptr, response_len) = buffer::into_raw(response);
        // SAFETY: both are non-null (checked above) and the caller guarantees they are valid
        // for a write.
        unsafe {
            out.write(ptr);
            out_len.write(response_len);
        }
        EVENTWIRE_OK
    })
}

/// Cancels the asynchronous call `request_id` if it is in flight and not yet decided; unknown
/// and answered ids are ignored.
#[unsafe(no_mangle)]
pub extern "C" fn eventwire_cancel(request_id: u64) -> i32 {
    guard(|| {
        let Some(shared) = library::current() else {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        };
        shared.cancel(request_id);
        EVENTWIRE_OK
    })
}

/// Releases a buffer the library transferred to the caller: one returned by
/// `eventwire_sync_call`, or one passed to the response or notification callback. Each such
/// buffer must be released exactly once, with the pointer and length it came with. Does nothing
/// when `ptr` is NULL. Callable from any thread, inside a callback or not, and whether or not the
/// library is initialised (buffers outlive `eventwire_shutdown`).
///
/// # Safety
/// `ptr` must be NULL, or a pointer the library transferred (from `eventwire_sync_call` or a
/// callback) together with its `len`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_free(ptr: *mut u8, len: usize) {
    // Releasing cannot panic, but nothing may unwind into C, so this export is guarded like the rest.
    guard(|| {
        // SAFETY: the caller's contract is `buffer::release`'s.
        unsafe { buffer::release(ptr, len) };
        EVENTWIRE_OK
    });
}

/// The runtime handshake (SPEC.md section 16.5, REQ-TRANS-CABI-18): stores in `*out`/`*out_len`
/// the library's encoded `StreamHandshake` (protocol version 1, and every module of its schema with
/// its fingerprints), allocated by the library and transferred to the caller, who must release it
/// exactly once with `eventwire_free(*out, *out_len)`. `front_end` is the front end's own encoded
/// `StreamHandshake` (`len` 0 for none); the answer is the same whatever it holds, and the front end
/// compares the two. Does not block, and may be called from any thread, inside a callback too.
/// `EVENTWIRE_ERR_NULL_ARGUMENT` when `out` or `out_len` is NULL, or `front_end` is NULL with a
/// non-zero `len` (nothing is stored then).
///
/// # Safety
/// When `front_end` is non-null and `len` is non-zero, `front_end` must point to `len` readable
/// bytes; `out` and `out_len` must be null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eventwire_handshake(
    front_end: *const u8,
    len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> i32 {
    guard(|| {
        let Some(shared) = library::current() else {
            return EVENTWIRE_ERR_NOT_INITIALIZED;
        };
        if out.is_null() || out_len.is_null() || (front_end.is_null() && len != 0) {
            return EVENTWIRE_ERR_NULL_ARGUMENT;
        }
        // The front end's handshake is not read: the library answers with its own whatever it says
        // (REQ-VER-13), and the front end draws the conclusions (REQ-VER-15).
        let (ptr, answer_len) = buffer::into_raw(shared.handshake.clone());
        // SAFETY: both are non-null (checked above) and the caller guarantees they are valid for a
        // write.
        unsafe {
            out.write(ptr);
            out_len.write(answer_len);
        }
        EVENTWIRE_OK
    })
}

/// Answers every call in flight `CANCELLED`, waits for those callbacks to return, and stops the
/// backend. `eventwire_init` may be called again afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn eventwire_shutdown() -> i32 {
    guard(library::stop)
}

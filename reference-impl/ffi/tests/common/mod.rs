//! What the C ABI test binaries share: taking turns on the process-global library, and calls whose
//! buffers are freed exactly as an embedder must free them.

// Each test binary uses its own subset.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};

use eventwire::pb::{FfiRequest, FfiResponse};
use eventwire_ffi::*;
use prost::Message;

/// The library is process-global: the tests of one binary hold this while they use it.
static TURN: Mutex<()> = Mutex::new(());

/// A failed test panics while holding it; the next test still takes its turn.
pub fn turn() -> MutexGuard<'static, ()> {
    eventwire::sync::lock(&TURN)
}

pub fn init(config: &str) -> i32 {
    // SAFETY: a valid buffer of config.len() bytes.
    unsafe { eventwire_init(config.as_ptr(), config.len()) }
}

pub fn request(event: &str, payload: &impl Message) -> Vec<u8> {
    FfiRequest {
        event: event.into(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec()
}

pub fn ping() -> Vec<u8> {
    request("Ping", &())
}

pub fn async_call(id: u64, request: &[u8]) -> i32 {
    // SAFETY: a valid buffer of request.len() bytes.
    unsafe { eventwire_async_call(id, request.as_ptr(), request.len()) }
}

/// A synchronous call: its return code, and the response when it is `EVENTWIRE_OK`.
pub fn try_sync_call(request: &[u8]) -> (i32, Option<FfiResponse>) {
    let mut out = std::ptr::null_mut();
    let mut out_len = 0;
    // SAFETY: valid request buffer and out pointers.
    let code =
        unsafe { eventwire_sync_call(request.as_ptr(), request.len(), &mut out, &mut out_len) };
    if code != EVENTWIRE_OK {
        return (code, None);
    }
    let response = if out.is_null() {
        FfiResponse::default()
    } else {
        // SAFETY: the library returned `out_len` bytes at `out`.
        FfiResponse::decode(unsafe { std::slice::from_raw_parts(out, out_len) }).unwrap()
    };
    // SAFETY: exactly what eventwire_sync_call returned, freed once.
    unsafe { eventwire_free(out, out_len) };
    (code, Some(response))
}

/// A synchronous call that must be made (`EVENTWIRE_OK`): its response.
pub fn sync_call(request: &[u8]) -> FfiResponse {
    let (code, response) = try_sync_call(request);
    assert_eq!(code, EVENTWIRE_OK);
    response.expect("a response with EVENTWIRE_OK")
}

/// Copies a callback's buffer and frees it.
///
/// # Safety
/// `bytes`/`len` as the library passed them to a callback.
pub unsafe fn take(bytes: *const u8, len: usize) -> Vec<u8> {
    let copy = if len == 0 {
        Vec::new()
    } else {
        // SAFETY: the caller passes the callback's pointer and length, valid until freed below.
        unsafe { std::slice::from_raw_parts(bytes, len) }.to_vec()
    };
    // SAFETY: the buffer the callback received, freed once.
    unsafe { eventwire_free(bytes.cast_mut(), len) };
    copy
}

//! The C ABI (`eventwire-ffi`), called through its `extern "C"` functions exactly as a C front end
//! would: init with configuration JSON, callbacks, asynchronous calls, cancel, a synchronous call,
//! shutdown. The backend runs in this process, so the peak memory is this process's.

use std::{
    ffi::c_void,
    sync::{Arc, atomic::Ordering::SeqCst},
    time::{Duration, Instant},
};

// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_ffi::{
    EVENTWIRE_OK, eventwire_async_call, eventwire_cancel, eventwire_free, eventwire_init,
    eventwire_set_notification_callback, eventwire_set_response_callback, eventwire_shutdown,
    eventwire_sync_call,
};
use eventwire_reference as _;

use crate::{
    Options, Report,
    ledger::Ledger,
    memory,
    mix::{self, Kind},
};

/// The bytes the library passes to a callback (transferred to the receiver, which frees them).
///
/// # Safety
/// `ptr` must point to `len` readable bytes when `len` is non-zero.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    // SAFETY: non-null with `len` readable bytes, by the callback contract of eventwire.h.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

unsafe extern "C" fn on_response(
    request_id: u64,
    response: *const u8,
    len: usize,
    user_data: *mut c_void,
) {
    // SAFETY: `user_data` is the `Ledger` this module installed, kept alive until after
    // eventwire_shutdown, which waits for callbacks to return.
    let ledger = unsafe { &*(user_data as *const Ledger) };
    // SAFETY: the library's callback contract.
    ledger.response(request_id, unsafe { bytes(response, len) });
    // SAFETY: the buffer is transferred to the receiver, who frees it exactly once
    // (REQ-TRANS-CABI-14); NULL/0 is a no-op.
    unsafe { eventwire_free(response.cast_mut(), len) };
}

unsafe extern "C" fn on_notification(object: *const u8, len: usize, user_data: *mut c_void) {
    // SAFETY: as for `on_response`.
    let ledger = unsafe { &*(user_data as *const Ledger) };
    ledger.notifications.fetch_add(1, SeqCst);
    // SAFETY: as for `on_response`.
    unsafe { eventwire_free(object.cast_mut(), len) };
}

pub fn run(o: &Options) -> Result<Report, String> {
    let n = o.requests;
    let ledger = Arc::new(Ledger::new(n + 1));
    let user_data = Arc::as_ptr(&ledger) as *mut c_void;
    let config = br#"{"max_in_flight": 1024}"#;
    // SAFETY: a valid buffer of `config.len()` bytes; callbacks with the signatures of eventwire.h
    // and a `user_data` that outlives the library (dropped after shutdown below).
    unsafe {
        check(
            eventwire_init(config.as_ptr(), config.len()),
            "eventwire_init",
        )?;
        check(
            eventwire_set_response_callback(Some(on_response), user_data),
            "set_response_callback",
        )?;
        check(
            eventwire_set_notification_callback(Some(on_notification), user_data),
            "set_notification_callback",
        )?;
    }
    let start = Instant::now();
    let deadline = start + o.max_time;
    let mut samples = Vec::new();
    for i in 1..=n {
        if !ledger.wait_for_window(o.window, deadline) {
            break;
        }
        let kind = mix::kind_of(i);
        ledger.sending(i);
        let code = match kind {
            // A NULL request pointer with a non-zero length: answered INVALID_REQUEST.
            // SAFETY: NULL is allowed; the library must not read it.
            Kind::Malformed => unsafe { eventwire_async_call(i, std::ptr::null(), 8) },
            _ => {
                let bytes = mix::request(kind);
                // SAFETY: a valid buffer, copied by the library before it returns.
                unsafe { eventwire_async_call(i, bytes.as_ptr(), bytes.len()) }
            }
        };
        check(code, "eventwire_async_call")?;
        if kind == Kind::Cancelled {
            check(eventwire_cancel(i), "eventwire_cancel")?;
        }
        if i % (n / 10).max(1) == 0 {
            samples.push(memory::peak_rss_kib("self").unwrap_or(0));
        }
    }
    let sent = ledger.sent.load(SeqCst);
    while ledger.outstanding() > 0 && Instant::now() < deadline + Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed();

    // Still serving: a synchronous Ping, then one more asynchronous one.
    let ping = mix::request(Kind::Ping);
    let (mut out, mut out_len) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid request buffer and out pointers; the response is freed with eventwire_free.
    let sync_ok = unsafe {
        let code = eventwire_sync_call(ping.as_ptr(), ping.len(), &mut out, &mut out_len);
        let ok = code == EVENTWIRE_OK && mix::outcome(bytes(out, out_len)) == Ok(None);
        eventwire_free(out, out_len);
        ok
    };
    ledger.sending(n + 1);
    // SAFETY: as above.
    let code = unsafe { eventwire_async_call(n + 1, ping.as_ptr(), ping.len()) };
    check(code, "eventwire_async_call")?;
    let until = Instant::now() + Duration::from_secs(30);
    while ledger.outstanding() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    let serving = sync_ok && ledger.lost() == 0;
    let peak = memory::peak_rss_kib("self");
    let shutdown = eventwire_shutdown();
    Ok(Report {
        transport: "C ABI (eventwire-ffi, in process)",
        requests_sent: sent,
        malformed_frames: 0,
        elapsed,
        peak_rss_kib: peak,
        rss_samples_kib: samples,
        serving_afterwards: serving,
        clean_exit: Some(shutdown == EVENTWIRE_OK),
        note: format!(
            "eventwire_shutdown returned {shutdown}; NULL-pointer calls: {}",
            n / 100
        ),
        ledger,
    })
}

fn check(code: i32, what: &str) -> Result<(), String> {
    if code == EVENTWIRE_OK {
        Ok(())
    } else {
        Err(format!("{what} returned {code}"))
    }
}

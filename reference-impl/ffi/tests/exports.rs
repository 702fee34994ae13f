//! The exported functions called from Rust, for what the C test does not cover: notification
//! numbering across callback replacement and removal (REQ-TRANS-CABI-5), configuration outcomes
//! (REQ-TRANS-CABI-3), the callback thread, and the ownership of callback buffers
//! (REQ-TRANS-CABI-12, REQ-TRANS-CABI-14).
//!
//! The library is process-global, so the tests take turns. Every buffer the library hands over is
//! released with `eventwire_free`, as the embedder must.

// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_reference as _;
use std::{
    ffi::c_void,
    sync::{Condvar, Mutex},
    thread::ThreadId,
};

use eventwire::pb::{FfiRequest, FfiResponse, FlowyError, SubscribeObject};
use eventwire_conformance_module::pb::{EmitNotificationsPayloadPb, EmitNotificationsResultPb};
use eventwire_ffi::*;

mod common;
use common::*;

/// A synchronous call of `event` with `payload`, which must be made.
fn call(event: &str, payload: &impl Message) -> FfiResponse {
    sync_call(&request(event, payload))
}
use prost::Message;

static SEEN: Mutex<Vec<(u64, ThreadId)>> = Mutex::new(Vec::new());

/// Decodes the notification and frees it inside the callback.
unsafe extern "C" fn record_notification(bytes: *const u8, len: usize, user_data: *mut c_void) {
    assert_eq!(user_data as usize, 0xabc);
    // SAFETY: the library transferred `len` readable bytes at `bytes`.
    let object =
        SubscribeObject::decode(unsafe { std::slice::from_raw_parts(bytes, len) }).unwrap();
    // SAFETY: the buffer this callback received, freed once.
    unsafe { eventwire_free(bytes.cast_mut(), len) };
    SEEN.lock()
        .unwrap()
        .push((object.seq, std::thread::current().id()));
}

/// A buffer a callback kept without reading or freeing it: its address, length and request id
/// (0 for notifications).
#[derive(Debug, Clone, Copy)]
struct Kept {
    id: u64,
    addr: usize,
    len: usize,
}

impl Kept {
    /// The bytes, read after the callback has returned.
    ///
    /// # Safety
    /// Not yet freed.
    unsafe fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: transferred by the library, and by the caller's contract not yet freed.
        unsafe { std::slice::from_raw_parts(self.addr as *const u8, self.len) }
    }

    /// Releases the buffer.
    ///
    /// # Safety
    /// Not yet freed, and not read afterwards.
    unsafe fn free(self) {
        // SAFETY: what the callback received, freed once by the caller's contract.
        unsafe { eventwire_free(self.addr as *mut u8, self.len) };
    }
}

static KEPT: Mutex<Vec<Kept>> = Mutex::new(Vec::new());
static KEPT_CHANGED: Condvar = Condvar::new();

fn keep(kept: Kept) {
    KEPT.lock().unwrap().push(kept);
    KEPT_CHANGED.notify_all();
}

/// Keeps the response buffer; the test reads and frees it after the callback returned.
unsafe extern "C" fn keep_response(id: u64, bytes: *const u8, len: usize, _: *mut c_void) {
    keep(Kept {
        id,
        addr: bytes as usize,
        len,
    });
}

/// Keeps the notification buffer, like [`keep_response`].
unsafe extern "C" fn keep_notification(bytes: *const u8, len: usize, _: *mut c_void) {
    keep(Kept {
        id: 0,
        addr: bytes as usize,
        len,
    });
}

/// Waits until the callbacks kept `n` buffers, and takes them.
fn take_kept(n: usize) -> Vec<Kept> {
    let kept = KEPT.lock().unwrap();
    let (mut kept, timeout) = KEPT_CHANGED
        .wait_timeout_while(kept, std::time::Duration::from_secs(60), |k| k.len() < n)
        .unwrap();
    assert!(
        !timeout.timed_out(),
        "only {} of {n} callbacks arrived",
        kept.len()
    );
    std::mem::take(&mut *kept)
}

fn emit(count: u32) {
    let response = call(
        "EmitNotifications",
        &EmitNotificationsPayloadPb {
            count,
            id: "x".into(),
            as_error: false,
        },
    );
    assert_eq!(response.code, 0);
}

fn seen_seqs() -> Vec<u64> {
    std::mem::take(&mut *SEEN.lock().unwrap())
        .into_iter()
        .map(|(seq, _)| seq)
        .collect()
}

#[test]
fn notification_seq_skips_nothing_while_a_callback_is_installed() {
    let _turn = turn();
    assert_eq!(init(""), EVENTWIRE_OK);
    seen_seqs();
    let user_data = 0xabc as *mut c_void;
    // SAFETY: a callback valid for the whole test.
    let status =
        unsafe { eventwire_set_notification_callback(Some(record_notification), user_data) };
    assert_eq!(status, EVENTWIRE_OK);
    emit(2);
    assert_eq!(seen_seqs(), [1, 2]);
    // Removed: notifications are not delivered and consume no seq values.
    // SAFETY: removing needs no callback.
    let status = unsafe { eventwire_set_notification_callback(None, std::ptr::null_mut()) };
    assert_eq!(status, EVENTWIRE_OK);
    emit(3);
    assert!(seen_seqs().is_empty());
    // SAFETY: as above.
    let status =
        unsafe { eventwire_set_notification_callback(Some(record_notification), user_data) };
    assert_eq!(status, EVENTWIRE_OK);
    emit(2);
    let seen = std::mem::take(&mut *SEEN.lock().unwrap());
    assert_eq!(seen.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [3, 4]);
    // Delivered on library threads, not the caller's.
    assert!(seen.iter().all(|(_, t)| *t != std::thread::current().id()));
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    // A new life starts a new subscriber.
    assert_eq!(init(""), EVENTWIRE_OK);
    // SAFETY: as above.
    let status =
        unsafe { eventwire_set_notification_callback(Some(record_notification), user_data) };
    assert_eq!(status, EVENTWIRE_OK);
    emit(1);
    assert_eq!(seen_seqs(), [1]);
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

#[test]
fn configuration_outcomes() {
    let _turn = turn();
    // config_len 0 means the defaults whatever the pointer is.
    // SAFETY: a zero length is never read.
    let status = unsafe { eventwire_init(std::ptr::dangling(), 0) };
    assert_eq!(status, EVENTWIRE_OK);
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    for bad in [
        " ",
        "{",
        "\"x\"",
        "\n\t ",
        "null",
        "[]",
        r#"{"no_such_key":1}"#,
        r#"{"max_in_flight":"3"}"#,
        r#"{"max_payload_bytes":0}"#,
        r#"{"max_nesting_depth":101}"#,
        r#"{"notification_queue":0}"#,
        r#"{"notification_queue_bytes":0}"#,
        r#"{"max_queued_answer_bytes":0}"#,
        r#"{"max_timeout_ms":0}"#,
        r#"{"default_timeout_ms":1e3}"#,
        r#"{"event_timeouts_ms":{"Ping":0}}"#,
        r#"{"capabilities":["user.*", "user..x"]}"#,
    ] {
        assert_eq!(init(bad), EVENTWIRE_ERR_INVALID_CONFIG, "{bad}");
        assert_eq!(
            eventwire_cancel(1),
            EVENTWIRE_ERR_NOT_INITIALIZED,
            "{bad} left the library initialised"
        );
    }
    // Invalid UTF-8.
    // SAFETY: a valid 2-byte buffer.
    let status = unsafe { eventwire_init([0xc3, 0x28].as_ptr(), 2) };
    assert_eq!(status, EVENTWIRE_ERR_INVALID_CONFIG);

    // A well-formed pattern naming nothing known is accepted and matches nothing.
    assert_eq!(
        init(
            r#"{"capabilities":["nosuch.*","user.NoSuchEvent","conformance.Ping"],"event_timeouts_ms":{"Ping":5000}}"#
        ),
        EVENTWIRE_OK
    );
    assert_eq!(call("Ping", &()).code, 0);
    let denied = call("GetUserProfile", &());
    assert_eq!(
        FlowyError::decode(denied.payload.as_slice()).unwrap().code,
        eventwire::ErrorCode::PermissionDenied as i32
    );
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);

    // An empty set allows nothing.
    assert_eq!(init(r#"{"capabilities":[]}"#), EVENTWIRE_OK);
    let denied = call("Ping", &());
    assert_eq!(
        FlowyError::decode(denied.payload.as_slice()).unwrap().code,
        eventwire::ErrorCode::PermissionDenied as i32
    );
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

#[test]
fn payload_limit_is_configurable() {
    let _turn = turn();
    assert_eq!(init(r#"{"max_payload_bytes":4}"#), EVENTWIRE_OK);
    let big = EmitNotificationsPayloadPb {
        count: 1,
        id: "0123456789".into(),
        as_error: false,
    };
    let response = call("EmitNotifications", &big);
    assert_eq!(
        FlowyError::decode(response.payload.as_slice())
            .unwrap()
            .code,
        eventwire::ErrorCode::PayloadTooLarge as i32
    );
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

fn acall(id: u64, event: &str, payload: &impl Message) {
    let request = FfiRequest {
        event: event.into(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec();
    // SAFETY: a valid request buffer.
    let status = unsafe { eventwire_async_call(id, request.as_ptr(), request.len()) };
    assert_eq!(status, EVENTWIRE_OK);
}

#[test]
fn callback_buffers_stay_valid_until_the_receiver_frees_them() {
    let _turn = turn();
    KEPT.lock().unwrap().clear();
    assert_eq!(init(""), EVENTWIRE_OK);
    // SAFETY: callbacks valid for the whole test.
    unsafe {
        assert_eq!(
            eventwire_set_response_callback(Some(keep_response), std::ptr::null_mut()),
            EVENTWIRE_OK
        );
        assert_eq!(
            eventwire_set_notification_callback(Some(keep_notification), std::ptr::null_mut()),
            EVENTWIRE_OK
        );
    }
    acall(
        7,
        "EmitNotifications",
        &EmitNotificationsPayloadPb {
            count: 2,
            id: "k".into(),
            as_error: false,
        },
    );
    acall(8, "Discard", &());
    let mut kept = take_kept(4);
    // The Discard response may come before or after the other three; those keep their order.
    let empty = kept.iter().position(|k| k.id == 8).expect("response to 8");
    let discarded = kept.remove(empty);
    // An empty response is NULL/0, and freeing that does nothing.
    assert_eq!((discarded.addr, discarded.len), (0, 0));
    // SAFETY: NULL/0 is always accepted.
    unsafe { discarded.free() };

    // Read long after the callbacks returned, including after more calls were delivered.
    assert_eq!(call("Ping", &()).code, 0);
    let [first, second, response] = kept[..] else {
        panic!("kept {kept:?}")
    };
    for (kept, seq) in [(first, 1), (second, 2)] {
        assert_eq!(kept.id, 0);
        // SAFETY: not yet freed.
        let object = SubscribeObject::decode(unsafe { kept.bytes() }).unwrap();
        assert_eq!((object.seq, object.id.as_str()), (seq, "k"));
    }
    assert_eq!(response.id, 7);
    // SAFETY: not yet freed.
    let decoded = FfiResponse::decode(unsafe { response.bytes() }).unwrap();
    assert_eq!(decoded.code, 0);
    assert_eq!(
        EmitNotificationsResultPb::decode(decoded.payload.as_slice())
            .unwrap()
            .emitted,
        2
    );
    // SAFETY: freed once, here, on this thread while the library is initialised.
    unsafe { first.free() };
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    // Buffers outlive the library; they can be freed from any thread, uninitialised.
    std::thread::spawn(move || {
        // SAFETY: not yet freed; each freed once.
        unsafe {
            assert!(!second.bytes().is_empty() && !response.bytes().is_empty());
            second.free();
            response.free();
        }
    })
    .join()
    .unwrap();
}

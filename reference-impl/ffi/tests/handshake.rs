//! `eventwire_handshake` (SPEC.md section 16.5, REQ-TRANS-CABI-18): its argument checks, calls
//! before init and after shutdown, the answer (the library's own `StreamHandshake`, whatever the
//! front end announced), and that a front end reaches each outcome from it: identical (built from
//! the same schema), compatible (built from a newer schema with an event the library lacks) and
//! incompatible (an event that differs, or another protocol version).
//!
//! The library is process-global, so the tests take turns. Every buffer the library hands over is
//! released with `eventwire_free`, as the embedder must.

// The reference backend defines the backend these calls reach (`eventwire_ffi::backend!`).
use eventwire_reference as _;
use std::{
    ffi::c_void,
    sync::{Condvar, Mutex},
};

use eventwire::{
    HandshakeOutcome,
    handshake::{handshake_of, hex},
    pb::{EventFingerprint, FfiRequest, StreamHandshake},
};
use eventwire_ffi::*;

mod common;
use common::turn;
use prost::Message;

fn init() {
    // SAFETY: NULL with length 0 means the defaults.
    assert_eq!(unsafe { eventwire_init(std::ptr::null(), 0) }, EVENTWIRE_OK);
}

/// Calls `eventwire_handshake` with `front_end`; the return code and, with `EVENTWIRE_OK`, the
/// decoded answer (its buffer freed).
fn handshake(front_end: &[u8]) -> (i32, Option<StreamHandshake>) {
    let mut out: *mut u8 = std::ptr::null_mut();
    let mut out_len = 0usize;
    // SAFETY: `front_end` is readable for its length; `out`/`out_len` are valid for a write.
    let rc =
        unsafe { eventwire_handshake(front_end.as_ptr(), front_end.len(), &mut out, &mut out_len) };
    if rc != EVENTWIRE_OK {
        return (rc, None);
    }
    assert!(
        !out.is_null() && out_len > 0,
        "a handshake is never empty: it holds protocol_version 1"
    );
    // SAFETY: the library transferred `out_len` readable bytes at `out`.
    let answer = StreamHandshake::decode(unsafe { std::slice::from_raw_parts(out, out_len) })
        .expect("a StreamHandshake");
    // SAFETY: the buffer just received, freed once.
    unsafe { eventwire_free(out, out_len) };
    (rc, Some(answer))
}

/// What a front end built from the reference backend's schema announces.
fn same_schema() -> StreamHandshake {
    handshake_of([
        &eventwire_sample_app::SCHEMA,
        &eventwire_conformance_module::SCHEMA,
    ])
}

#[test]
fn before_init_and_after_shutdown_it_answers_not_initialized_and_stores_nothing() {
    let _t = turn();
    let sentinel = 0x5a5a as *mut u8;
    let mut out = sentinel;
    let mut out_len = 77usize;
    let front_end = same_schema().encode_to_vec();
    // SAFETY: valid pointers throughout.
    let rc =
        unsafe { eventwire_handshake(front_end.as_ptr(), front_end.len(), &mut out, &mut out_len) };
    assert_eq!(rc, EVENTWIRE_ERR_NOT_INITIALIZED);
    assert_eq!((out, out_len), (sentinel, 77), "nothing stored");

    init();
    assert_eq!(handshake(&front_end).0, EVENTWIRE_OK);
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
    // SAFETY: as above.
    let rc =
        unsafe { eventwire_handshake(front_end.as_ptr(), front_end.len(), &mut out, &mut out_len) };
    assert_eq!(rc, EVENTWIRE_ERR_NOT_INITIALIZED);
    assert_eq!((out, out_len), (sentinel, 77), "nothing stored");
}

#[test]
fn null_arguments_are_refused_and_nothing_is_stored() {
    let _t = turn();
    init();
    let sentinel = 0x5a5a as *mut u8;
    let mut out = sentinel;
    let mut out_len = 77usize;
    let front_end = [0x08u8, 0x01];
    // SAFETY: each call passes NULL where the check must catch it, valid pointers elsewhere.
    unsafe {
        assert_eq!(
            eventwire_handshake(front_end.as_ptr(), 2, std::ptr::null_mut(), &mut out_len),
            EVENTWIRE_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            eventwire_handshake(front_end.as_ptr(), 2, &mut out, std::ptr::null_mut()),
            EVENTWIRE_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            eventwire_handshake(std::ptr::null(), 2, &mut out, &mut out_len),
            EVENTWIRE_ERR_NULL_ARGUMENT
        );
    }
    assert_eq!((out, out_len), (sentinel, 77), "nothing stored");
    // NULL with length 0: a front end announcing nothing, answered.
    // SAFETY: no bytes are read at NULL with length 0.
    let status = unsafe { eventwire_handshake(std::ptr::null(), 0, &mut out, &mut out_len) };
    assert_eq!(status, EVENTWIRE_OK);
    assert_ne!(out, sentinel);
    // SAFETY: the buffer just received, freed once.
    unsafe { eventwire_free(out, out_len) };
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

#[test]
fn the_answer_is_the_librarys_own_whatever_the_front_end_announced() {
    let _t = turn();
    init();
    let (_, answer) = handshake(&same_schema().encode_to_vec());
    let answer = answer.unwrap();
    assert_eq!(answer.protocol_version, 1);
    let names: Vec<&str> = answer.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["conformance", "document", "user"],
        "every module, by name"
    );
    for m in &answer.modules {
        assert!(
            m.events.windows(2).all(|w| w[0].id < w[1].id),
            "module {}: events by ascending id",
            m.name
        );
    }
    // SPEC.md section 16.5's worked example, computed by hand.
    let ping = answer.modules[0]
        .events
        .iter()
        .find(|e| e.name == "Ping")
        .expect("Ping");
    assert_eq!(
        (ping.id, hex(&ping.fingerprint).as_str()),
        (
            905,
            "aebc1ed25ff2e6421e3bf96b972576a99594fde2c24e1ce2b8b4b2fb1a570e92"
        )
    );

    let other_version = StreamHandshake {
        protocol_version: 2,
        modules: vec![],
    }
    .encode_to_vec();
    for front_end in [Vec::new(), vec![0xff, 0xff, 0xff], other_version] {
        assert_eq!(
            handshake(&front_end),
            (EVENTWIRE_OK, Some(answer.clone())),
            "front end {front_end:02x?}"
        );
    }
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

#[test]
fn a_front_end_reaches_identical_compatible_and_incompatible_from_the_answer() {
    let _t = turn();
    init();
    // Identical: built from the same schema.
    let ours = same_schema();
    let (_, backend) = handshake(&ours.encode_to_vec());
    let backend = backend.unwrap();
    assert_eq!(
        HandshakeOutcome::compare(&ours, &backend),
        HandshakeOutcome::Identical
    );

    // Compatible: built from a newer schema, with an event the library lacks.
    let mut newer = ours.clone();
    let conformance = newer
        .modules
        .iter_mut()
        .find(|m| m.name == "conformance")
        .unwrap();
    conformance.events.push(EventFingerprint {
        name: "AddedLater".into(),
        id: 9_999,
        fingerprint: vec![7; 32],
    });
    let (_, answer) = handshake(&newer.encode_to_vec());
    assert_eq!(answer.as_ref(), Some(&backend), "the same answer");
    assert_eq!(
        HandshakeOutcome::compare(&newer, &backend),
        HandshakeOutcome::Compatible {
            missing: vec!["AddedLater".into()]
        }
    );

    // Incompatible: an event both have differs; named with both sides' fingerprints.
    let mut changed = ours.clone();
    let user = changed
        .modules
        .iter_mut()
        .find(|m| m.name == "user")
        .unwrap();
    let first = &mut user.events[0];
    first.fingerprint = vec![0; 32];
    let first = first.name.clone();
    let (_, answer) = handshake(&changed.encode_to_vec());
    assert_eq!(answer.as_ref(), Some(&backend));
    let HandshakeOutcome::Incompatible(i) = HandshakeOutcome::compare(&changed, &backend) else {
        panic!("incompatible")
    };
    assert_eq!(
        (i.event.as_deref(), i.module.as_str()),
        (Some(first.as_str()), "user")
    );
    let theirs = backend.modules.iter().find(|m| m.name == "user").unwrap();
    assert_eq!(i.backend_module_fingerprint, theirs.fingerprint);
    assert_eq!(i.backend_event_fingerprint, theirs.events[0].fingerprint);
    assert_eq!(i.front_end_event_fingerprint, vec![0; 32]);

    // Incompatible: another protocol version.
    let later = StreamHandshake {
        protocol_version: 2,
        ..ours
    };
    let HandshakeOutcome::Incompatible(i) = HandshakeOutcome::compare(&later, &backend) else {
        panic!("incompatible")
    };
    assert_eq!(
        (i.front_end_version, i.backend_version, i.event),
        (2, 1, None)
    );
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

/// The return code of `eventwire_handshake` called inside the response callback, and whether its
/// answer was a handshake of version 1.
static INSIDE: Mutex<Option<(i32, bool)>> = Mutex::new(None);
static INSIDE_DONE: Condvar = Condvar::new();

unsafe extern "C" fn handshake_inside(_id: u64, response: *const u8, len: usize, _: *mut c_void) {
    // SAFETY: the buffer this callback received, freed once.
    unsafe { eventwire_free(response.cast_mut(), len) };
    let (rc, answer) = handshake(&[]);
    *INSIDE.lock().unwrap() = Some((rc, answer.is_some_and(|a| a.protocol_version == 1)));
    INSIDE_DONE.notify_all();
}

#[test]
fn it_can_be_called_inside_a_callback() {
    let _t = turn();
    init();
    // SAFETY: a callback that is safe on any library thread.
    let status =
        unsafe { eventwire_set_response_callback(Some(handshake_inside), std::ptr::null_mut()) };
    assert_eq!(status, EVENTWIRE_OK);
    let ping = FfiRequest {
        event: "Ping".into(),
        payload: vec![],
    }
    .encode_to_vec();
    // SAFETY: `ping` is readable for its length.
    let status = unsafe { eventwire_async_call(1, ping.as_ptr(), ping.len()) };
    assert_eq!(status, EVENTWIRE_OK);
    let mut inside = INSIDE.lock().unwrap();
    while inside.is_none() {
        inside = INSIDE_DONE.wait(inside).unwrap();
    }
    assert_eq!(*inside, Some((EVENTWIRE_OK, true)));
    drop(inside);
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}

//! Feeds arbitrary bytes to `eventwire-host`'s stream server as its whole input (what a front
//! end writes to the host's stdin), on a runtime whose clock is paused, and reads everything it
//! writes back.
//!
//! The input is also read independently with the host's framing and classification functions
//! (`framing::split`, `inbound::classify`), and the output is checked against SPEC.md section
//! 13.3: every output frame is whole, within the frame limit, and a response, notification or
//! fault; every non-closing fault has id 0 (REQ-TRANS-STREAM-5); every id of a request frame gets
//! at least one and at most as many responses as it has request frames (a repeat while the first
//! is in flight is faulted instead, REQ-TRANS-STREAM-5 e); faults = invalid frames + the request
//! frames that got no response;
//! one closing fault is sent exactly when the input ends inside a frame or announces an oversized
//! one (requests in flight are still answered after it); the connection ends cleanly exactly when
//! the input ended at a frame boundary; no in-flight slot leaks.

#![no_main]

use std::collections::BTreeMap;

use eventwire::{
    Config, Dispatcher,
    framing::{self, FrameError},
};
use eventwire_sample_app::reference::pb as pb;
use eventwire_host::{
    Ending, ServeOptions,
    inbound::{Inbound, classify},
    serve,
};
use eventwire_fuzz::{allow_deliberate_panics, runtime};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use tokio::io::AsyncReadExt;

/// A small frame limit, so that fuzzed prefixes hit it (max_payload_bytes + 65536).
const MAX_PAYLOAD: usize = 1024;

#[derive(Default, Debug)]
struct Expected {
    /// Per id: request frames (each gets a response, or a fault if its id is in flight).
    requests: BTreeMap<u64, usize>,
    /// Frames that are neither requests nor cancels: each gets a fault.
    invalid: usize,
    /// Handshake frames: each gets the backend's handshake.
    handshakes: usize,
    /// How the input ends: None = at a frame boundary, Some(true) = oversized prefix,
    /// Some(false) = inside a frame.
    bad_end: Option<bool>,
}

fn expected(mut input: &[u8], max_frame: usize) -> Expected {
    let mut e = Expected::default();
    loop {
        if input.is_empty() {
            return e;
        }
        match framing::split(input, max_frame) {
            Ok(Some((body, used))) => {
                match classify(body) {
                    Inbound::Request { id, .. } => *e.requests.entry(id).or_default() += 1,
                    Inbound::Invalid { .. } => e.invalid += 1,
                    Inbound::Cancel { .. } => {}
                    Inbound::Handshake => e.handshakes += 1,
                }
                input = &input[used..];
            }
            Ok(None) => {
                e.bad_end = Some(false);
                return e;
            }
            Err(FrameError::TooLarge { .. }) => {
                e.bad_end = Some(true);
                return e;
            }
            Err(other) => panic!("split cannot fail with {other}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    allow_deliberate_panics();
    runtime().block_on(async {
        let config = Config::from_json(format!(r#"{{"max_payload_bytes": {MAX_PAYLOAD}}}"#).as_bytes())
            .expect("valid configuration");
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder()).config(config);
        let dispatcher = builder.build().expect("the reference plugins cover the tables");
        let max_frame = dispatcher.config().max_frame_bytes();
        let expected = expected(data, max_frame);

        let (output, mut from_host) = tokio::io::duplex(64 * 1024);
        let mut written = Vec::new();
        let (ending, read) = tokio::join!(
            serve(&dispatcher, data, output, ServeOptions::new()),
            from_host.read_to_end(&mut written),
        );
        read.expect("reading the host's output");

        let mut answers: BTreeMap<u64, usize> = BTreeMap::new();
        let mut faults = 0;
        let mut handshakes = 0;
        let mut closing = Vec::new();
        let mut rest = written.as_slice();
        let mut frames = 0;
        while !rest.is_empty() {
            let (body, used) = framing::split(rest, max_frame)
                .expect("output frames are within the limit")
                .expect("output frames are whole");
            rest = &rest[used..];
            frames += 1;
            let frame = pb::StreamFrame::decode(body).expect("output frames are StreamFrames");
            match frame.kind {
                Some(pb::stream_frame::Kind::Response(r)) => {
                    assert_ne!(r.id, 0, "a response for id 0");
                    let response = pb::FfiResponse::decode(r.response.as_slice()).expect("an FFIResponse");
                    assert!(response.code == 0 || response.code == 1, "status {}", response.code);
                    *answers.entry(r.id).or_default() += 1;
                }
                Some(pb::stream_frame::Kind::Fault(f)) => {
                    let error = pb::FlowyError::decode(f.error.as_slice()).expect("a fault carries a FlowyError");
                    let code = pb::ErrorCode::try_from(error.code).expect("a schema code");
                    assert_eq!(error.category, code.category() as i32);
                    if f.closing {
                        assert_eq!(f.id, 0);
                        closing.push((frames, code));
                    } else {
                        assert_eq!(code, pb::ErrorCode::InvalidRequest);
                        assert_eq!(f.id, 0, "a fault naming a request");
                        faults += 1;
                    }
                }
                Some(pb::stream_frame::Kind::Notification(n)) => {
                    assert!(n.seq >= 1);
                }
                Some(pb::stream_frame::Kind::Handshake(h)) => {
                    assert_eq!(h.protocol_version, 1);
                    handshakes += 1;
                }
                other => panic!("the host sent {other:?}"),
            }
        }
        for (id, responses) in &answers {
            let requests = expected.requests.get(id).copied().unwrap_or(0);
            assert!(*responses >= 1 && *responses <= requests, "{responses} responses for {requests} requests with id {id}");
        }
        assert!(expected.requests.keys().all(|id| answers.contains_key(id)), "a request id got no response");
        let unanswered: usize = expected.requests.values().sum::<usize>() - answers.values().sum::<usize>();
        assert_eq!(faults, expected.invalid + unanswered, "faults = invalid frames + refused duplicates");
        assert_eq!(handshakes, expected.handshakes, "one handshake answer per handshake frame");
        match expected.bad_end {
            None => {
                assert!(closing.is_empty(), "a closing fault for a clean end");
                assert!(matches!(ending, Ending::Clean), "{ending:?}");
            }
            Some(too_large) => {
                let code = if too_large { pb::ErrorCode::PayloadTooLarge } else { pb::ErrorCode::InvalidRequest };
                assert_eq!(closing.len(), 1, "one closing fault");
                assert_eq!(closing[0].1, code);
                assert!(matches!(ending, Ending::Closed(_)), "{ending:?}");
            }
        }
        assert_eq!(dispatcher.in_flight(), 0, "an in-flight slot leaked");
    });
});

//! Feeds arbitrary bytes to the conformance reference testee as its input stream: 4-byte
//! little-endian length-prefixed frames, each an encoded `TesteeRequest` (schema package
//! `eventwire.conformance.v1`), exactly what `eventwire-conformance-testee` reads on stdin.
//!
//! Checks: the framing reader returns a frame, a clean end, or an error, never more than
//! `MAX_FRAME` bytes; every frame is answered with bytes that decode as a `TesteeResponse`
//! carrying a result. Dispatch cases are not run here (they start a backend and may sleep; the
//! `dispatch` target covers the dispatcher), so the target stays fast and deterministic.

#![no_main]

use eventwire_conformance::{framing, reference::Reference};
use eventwire_schema::testee_pb::{TesteeRequest, TesteeResponse, case, testee_request};
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let mut reference = Reference::default();
    loop {
        let frame = match framing::read_frame(&mut input) {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(_) => break,
        };
        assert!(frame.len() <= framing::MAX_FRAME);
        if let Ok(TesteeRequest { kind: Some(testee_request::Kind::Case(c)) }) =
            TesteeRequest::decode(frame.as_slice())
        {
            if matches!(c.op, Some(case::Op::Dispatch(_))) {
                continue;
            }
        }
        let answer = reference.answer_bytes(&frame);
        let answer = TesteeResponse::decode(answer.as_slice()).expect("an encoded TesteeResponse");
        assert!(answer.kind.is_some(), "every request gets a handshake result or a case result");
    }
});

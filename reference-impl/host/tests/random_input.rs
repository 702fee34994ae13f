//! Random input never kills the host without a documented ending (REQ-TRANS-3): either it keeps
//! answering, or it sends a closing fault and exits non-zero, or the input ended cleanly and it
//! exits 0. Bodies inside valid length prefixes never stop the stream.

mod common;

use common::*;
use eventwire_schema::project_pb::{PongPb, StreamFrame, StreamRequest, stream_frame::Kind};
use proptest::prelude::*;
use prost::Message;

/// The id of the well-formed request sent after the random frames.
const LAST: u64 = u64::MAX - 1;

/// A frame body: random bytes, or a valid frame with some bytes flipped or cut.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid = (
        1u64..64,
        proptest::collection::vec(any::<u8>(), 0..24),
        0u32..50,
    )
        .prop_map(|(id, request, timeout_ms)| {
            StreamFrame {
                kind: Some(Kind::Request(StreamRequest {
                    id,
                    request,
                    timeout_ms,
                })),
            }
            .encode_to_vec()
        });
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..48),
        (valid.clone(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut b, i, x)| {
            if !b.is_empty() {
                let at = i.index(b.len());
                b[at] ^= x;
            }
            b
        }),
        (valid, any::<prop::sample::Index>()).prop_map(|(b, i)| b[..i.index(b.len() + 1)].to_vec()),
    ]
}

/// Every response answers a request that was sent, never more often than it was sent. (An id may
/// come twice among random frames; whether the second copy finds the first still pending, and
/// is refused with a fault, or finished, and is answered, depends on scheduling, so the bound is
/// the number of copies sent, not one.)
fn check_well_formed_session(bodies: &[Vec<u8>], frames: &[Kind]) {
    let mut sent = std::collections::BTreeMap::<u64, usize>::from([(LAST, 1)]);
    for body in bodies {
        if let Ok(StreamFrame {
            kind: Some(Kind::Request(r)),
        }) = StreamFrame::decode(body.as_slice())
        {
            *sent.entry(r.id).or_default() += 1;
        }
    }
    let mut answered = std::collections::BTreeMap::<u64, usize>::new();
    for kind in frames {
        match kind {
            Kind::Response(r) => *answered.entry(r.id).or_default() += 1,
            Kind::Fault(f) => assert!(!f.closing, "closing fault on well-framed input"),
            Kind::Notification(_) => {}
            other => panic!("the host wrote a front-end frame: {other:?}"),
        }
    }
    for (id, n) in &answered {
        assert!(
            *n <= sent.get(id).copied().unwrap_or(0),
            "id {id} answered {n} times, sent {:?}: {answered:?}",
            sent.get(id)
        );
    }
    assert_eq!(
        answered.get(&LAST),
        Some(&1),
        "the last ping is answered exactly once"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_bodies_in_valid_frames_keep_the_stream_answering(bodies in proptest::collection::vec(body(), 0..8)) {
        let mut input = Vec::new();
        for b in &bodies {
            input.extend(eventwire::framing::encode(b));
        }
        input.extend(ping(LAST));
        let run = run(&[], &input);
        prop_assert_eq!(run.status.code(), Some(0));
        check_well_formed_session(&bodies, &run.frames);
        let last = response(&run.frames, LAST);
        prop_assert_eq!(PongPb::decode(last.payload.as_slice()).unwrap().message, "pong");
    }

    #[test]
    fn random_byte_streams_end_in_a_documented_way(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        let run = run(&[], &bytes);
        let code = run.status.code();
        prop_assert!(code == Some(0) || code == Some(1), "exit status {:?}", run.status);
        let closing: Vec<_> = faults(&run.frames).into_iter().filter(|(f, _)| f.closing).collect();
        if code == Some(0) {
            prop_assert!(closing.is_empty());
        } else {
            prop_assert_eq!(closing.len(), 1);
            prop_assert_eq!(closing[0].0.id, 0);
        }
        let mut ids = std::collections::BTreeMap::<u64, usize>::new();
        for (id, _) in responses(&run.frames) {
            *ids.entry(id).or_default() += 1;
        }
        prop_assert!(ids.values().all(|n| *n == 1));
    }
}

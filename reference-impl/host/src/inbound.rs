//! What a frame from the front end asks for (SPEC.md section 13.3, REQ-TRANS-STREAM-5): a
//! request to run, a cancel, or nothing but a fault. Pure, so it can be fuzzed on its own.

use eventwire_schema::pb::{StreamFrame, stream_frame::Kind};
use prost::Message;

/// One frame body from the front end, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Run `request` (encoded `FFIRequest` bytes, possibly malformed: the dispatcher answers them).
    Request {
        id: u64,
        request: Vec<u8>,
        timeout_ms: u32,
    },
    /// Cancel the request `id` if it is in flight; never faults.
    Cancel { id: u64 },
    /// A handshake (SPEC.md section 16.5): answer with the backend's own, whatever it says.
    Handshake,
    /// Not something a backend accepts: answer `fault{id, INVALID_REQUEST, closing: false}`.
    Invalid { id: u64, reason: String },
}

/// Classifies one frame body.
pub fn classify(body: &[u8]) -> Inbound {
    let frame = match StreamFrame::decode(body) {
        Ok(frame) => frame,
        Err(e) => {
            return Inbound::Invalid {
                id: 0,
                reason: format!("frame: not an encoded StreamFrame: {e}"),
            };
        }
    };
    match frame.kind {
        Some(Kind::Request(r)) if r.id == 0 => Inbound::Invalid {
            id: 0,
            reason: "request.id: must not be 0".into(),
        },
        Some(Kind::Request(r)) => Inbound::Request {
            id: r.id,
            request: r.request,
            timeout_ms: r.timeout_ms,
        },
        Some(Kind::Cancel(c)) => Inbound::Cancel { id: c.id },
        Some(Kind::Handshake(_)) => Inbound::Handshake,
        // Answered with id 0, the id only in the message: the frame's id is no request of the
        // front end's, and a fault carrying it would fail the front end's request with that id,
        // which is unaffected (REQ-TRANS-STREAM-5, REQ-TRANS-STREAM-10).
        Some(Kind::Response(r)) => Inbound::Invalid {
            id: 0,
            reason: format!(
                "frame: a front end may not send response frames (this one has id {})",
                r.id
            ),
        },
        Some(Kind::Fault(f)) => Inbound::Invalid {
            id: 0,
            reason: format!(
                "frame: a front end may not send fault frames (this one has id {})",
                f.id
            ),
        },
        Some(Kind::Notification(_)) => Inbound::Invalid {
            id: 0,
            reason: "frame: a front end may not send notification frames".into(),
        },
        None => Inbound::Invalid {
            id: 0,
            reason: "frame: no kind set (empty or of a kind this backend does not know)".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use eventwire_schema::pb::{
        StreamCancel, StreamFault, StreamRequest, StreamResponse, SubscribeObject,
    };

    use super::*;

    fn body(kind: Kind) -> Vec<u8> {
        StreamFrame { kind: Some(kind) }.encode_to_vec()
    }

    #[test]
    fn every_case_of_req_trans_stream_5() {
        assert!(matches!(
            classify(&[0xff, 0xff]),
            Inbound::Invalid { id: 0, .. }
        ));
        assert!(matches!(classify(&[]), Inbound::Invalid { id: 0, .. }));
        // Field 9, varint 1: a kind this backend does not know.
        assert!(matches!(
            classify(&[0x48, 0x01]),
            Inbound::Invalid { id: 0, .. }
        ));
        let request = |id| {
            body(Kind::Request(StreamRequest {
                id,
                request: vec![1, 2],
                timeout_ms: 5,
            }))
        };
        assert!(matches!(
            classify(&request(0)),
            Inbound::Invalid { id: 0, .. }
        ));
        assert_eq!(
            classify(&request(7)),
            Inbound::Request {
                id: 7,
                request: vec![1, 2],
                timeout_ms: 5
            }
        );
        assert_eq!(
            classify(&body(Kind::Cancel(StreamCancel { id: 0 }))),
            Inbound::Cancel { id: 0 }
        );
        let response = body(Kind::Response(StreamResponse {
            id: 3,
            response: vec![],
        }));
        assert!(matches!(
            classify(&response),
            Inbound::Invalid { id: 0, .. }
        ));
        let fault = body(Kind::Fault(StreamFault {
            id: 4,
            error: vec![],
            closing: true,
        }));
        assert!(matches!(classify(&fault), Inbound::Invalid { id: 0, .. }));
        let notification = body(Kind::Notification(SubscribeObject::default()));
        assert!(matches!(
            classify(&notification),
            Inbound::Invalid { id: 0, .. }
        ));
        let handshake = body(Kind::Handshake(eventwire_schema::pb::StreamHandshake {
            protocol_version: 2,
            modules: vec![],
        }));
        assert_eq!(classify(&handshake), Inbound::Handshake);
    }
}

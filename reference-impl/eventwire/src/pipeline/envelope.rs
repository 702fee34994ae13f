//! The `FFIRequest` envelope, read in place: the event name and the payload borrow the request
//! bytes, so the payload is not copied before its own decoder reads it.
//!
//! Acceptance is exactly that of `FfiRequest::decode` (prost's key, varint, group and skip rules
//! are used as they are): every occurrence of `event` must be UTF-8, the last occurrence of a
//! field wins, unknown fields are skipped. A test checks the two agree.

use prost::encoding::{
    DecodeContext, WireType, check_wire_type, decode_key, decode_varint, skip_field,
};

/// An `FFIRequest` whose fields borrow the bytes it was read from.
///
/// The last occurrence of `event` (the one that counts) is kept as bytes and checked for UTF-8
/// only when it matters: a name that matches a route is UTF-8 because every route's name is, so
/// only a request that is refused before or at routing pays for the check ([`Self::event_str`]).
/// Earlier occurrences are checked as they are replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RequestRef<'a> {
    pub(crate) event: &'a [u8],
    pub(crate) payload: &'a [u8],
}

/// Why an event name is not UTF-8, as `FfiRequest::decode` words it.
pub(crate) const NOT_UTF8: &str =
    "FFIRequest.event: invalid string value: data is not UTF-8 encoded";

const EVENT: u32 = 1;
const PAYLOAD: u32 = 2;

impl<'a> RequestRef<'a> {
    /// Reads `bytes` as an encoded `FFIRequest`.
    /// The error is a description for the `INVALID_REQUEST` message.
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Self, String> {
        if let Some(request) = Self::canonical(bytes) {
            return Ok(request);
        }
        let mut buf = bytes;
        let mut request = RequestRef::default();
        while !buf.is_empty() {
            let (tag, wire_type) = decode_key(&mut buf).map_err(|e| e.to_string())?;
            match tag {
                EVENT | PAYLOAD => {
                    let field = if tag == EVENT { "event" } else { "payload" };
                    let value = length_delimited(wire_type, &mut buf)
                        .map_err(|e| format!("FFIRequest.{field}: {e}"))?;
                    if tag == EVENT {
                        if !request.event.is_empty() {
                            request.event_str().map_err(|_| NOT_UTF8.to_owned())?;
                        }
                        request.event = value;
                    } else {
                        request.payload = value;
                    }
                }
                _ => skip_field(wire_type, tag, &mut buf, DecodeContext::default())
                    .map_err(|e| e.to_string())?,
            }
        }
        Ok(request)
    }

    /// The canonical encoding every sender produces, read without the general loop: `event`
    /// once (shorter than 128 bytes, so its length is one byte), then `payload` at most once,
    /// up to the end. `None` for anything else, which [`decode`](Self::decode) then reads in
    /// full; whatever this accepts, the general loop reads the same way.
    fn canonical(bytes: &'a [u8]) -> Option<Self> {
        let [0x0a, len, rest @ ..] = bytes else {
            return None;
        };
        let len = usize::from(*len);
        if len >= 0x80 || len > rest.len() {
            return None;
        }
        let (event, rest) = rest.split_at(len);
        let payload = match rest {
            [] => &[][..],
            [0x12, rest @ ..] => {
                let mut buf = rest;
                let len = decode_varint(&mut buf).ok()?;
                if len != buf.len() as u64 {
                    return None;
                }
                buf
            }
            _ => return None,
        };
        Some(RequestRef { event, payload })
    }

    /// The parts of a request whose event name is known to be a string.
    pub(crate) fn new(event: &'a str, payload: &'a [u8]) -> Self {
        RequestRef {
            event: event.as_bytes(),
            payload,
        }
    }

    /// The event name as a string; `Err` when it is not UTF-8 (an `INVALID_REQUEST`).
    pub(crate) fn event_str(&self) -> Result<&'a str, std::str::Utf8Error> {
        std::str::from_utf8(self.event)
    }
}

/// The body of one length-delimited field, advancing `buf` past it.
fn length_delimited<'a>(wire_type: WireType, buf: &mut &'a [u8]) -> Result<&'a [u8], String> {
    check_wire_type(WireType::LengthDelimited, wire_type).map_err(|e| e.to_string())?;
    let len = decode_varint(buf).map_err(|e| e.to_string())?;
    if len > buf.len() as u64 {
        return Err("buffer underflow".to_owned());
    }
    let (value, rest) = buf.split_at(len as usize);
    *buf = rest;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire_schema::pb::FfiRequest;
    use proptest::prelude::*;
    use prost::Message;

    /// The general loop alone, for comparison with the canonical fast path.
    fn general(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
        let mut padded = vec![0x18, 0x00]; // an unknown varint field first: no fast path
        padded.extend_from_slice(bytes);
        RequestRef::decode(&padded).map(|r| (r.event.to_vec(), r.payload.to_vec()))
    }

    #[test]
    fn the_canonical_fast_path_reads_what_the_general_loop_reads() {
        let mut cases: Vec<Vec<u8>> =
            vec![b"\x0a\x04Ping".to_vec(), b"\x0a\x04Ping\x12\x00".to_vec()];
        for (event_len, payload_len) in [
            (1, 0),
            (1, 1),
            (127, 127),
            (127, 128),
            (6, 300),
            (6, 70_000),
        ] {
            cases.push(
                FfiRequest {
                    event: "e".repeat(event_len),
                    payload: vec![7; payload_len],
                }
                .encode_to_vec(),
            );
        }
        for bytes in &cases {
            let fast = RequestRef::canonical(bytes).expect("canonical");
            let slow = general(bytes).expect("valid");
            assert_eq!((fast.event.to_vec(), fast.payload.to_vec()), slow);
        }
        // Not canonical: left to the general loop.
        for bytes in [
            &b"\x0a\x80\x01"[..],         // a two-byte event length
            b"\x0a\x05Ping",              // truncated
            b"\x0a\x01A\x12\x02\x08",     // payload truncated
            b"\x0a\x01A\x12\x00\x12\x00", // payload twice
            b"\x0a\x01A\x0a\x01B",        // event twice
            b"\x12\x00\x0a\x01A",         // fields in the other order
        ] {
            assert!(RequestRef::canonical(bytes).is_none(), "{bytes:02x?}");
        }
    }

    fn agrees(bytes: &[u8]) {
        match (FfiRequest::decode(bytes), RequestRef::decode(bytes)) {
            (Ok(owned), Ok(borrowed)) => {
                assert_eq!(owned.event.as_bytes(), borrowed.event, "{bytes:02x?}");
                assert_eq!(
                    borrowed.event_str(),
                    Ok(owned.event.as_str()),
                    "{bytes:02x?}"
                );
                assert_eq!(owned.payload, borrowed.payload, "{bytes:02x?}");
            }
            // The last event name is checked for UTF-8 where it is used; the pipeline refuses
            // it there with the same INVALID_REQUEST.
            (Err(_), Ok(borrowed)) if borrowed.event_str().is_err() => {}
            (Err(_), Err(_)) => {}
            (owned, borrowed) => panic!("{bytes:02x?}: prost {owned:?}, in place {borrowed:?}"),
        }
    }

    #[test]
    fn agrees_with_prost_on_edge_cases() {
        for bytes in [
            &b""[..],
            b"\x0a\x04Ping",
            b"\x0a\x04Ping\x12\x02\x08\x01",
            // Duplicates: the last wins.
            b"\x0a\x01A\x0a\x01B\x12\x01x\x12\x00",
            // An invalid first event, a valid second one: prost refuses.
            b"\x0a\x01\xff\x0a\x01B",
            // A valid first event, an invalid last one: refused where the name is used.
            b"\x0a\x01B\x0a\x01\xff",
            // Wrong wire types.
            b"\x08\x01",
            b"\x10\x01",
            // Truncation.
            b"\x0a\x05Pi",
            b"\x12",
            b"\x0a\x80",
            // Unknown fields of every wire type, groups included.
            b"\x18\x01\x21\x01\x02\x03\x04\x05\x06\x07\x08\x2d\x01\x02\x03\x04\x32\x00\x0a\x01E",
            b"\x1b\x08\x01\x1c\x0a\x01E",
            b"\x1b\x08\x01\x24",
            b"\x1c",
            // Field number 0, an over-long key, wire types 6 and 7.
            b"\x00\x01",
            b"\xff\xff\xff\xff\xff\x01",
            b"\x0e",
            b"\x0f",
        ] {
            agrees(bytes);
        }
    }

    fn envelope_like() -> impl Strategy<Value = Vec<u8>> {
        // Valid envelopes, mutated: bytes flipped, cut short, extended with noise.
        (
            any::<String>(),
            proptest::collection::vec(any::<u8>(), 0..32),
            any::<u64>(),
            0usize..40,
        )
            .prop_map(|(event, payload, noise, cut)| {
                let mut bytes = FfiRequest { event, payload }.encode_to_vec();
                bytes.extend_from_slice(&noise.to_le_bytes()[..(noise % 9) as usize]);
                if cut < bytes.len() && cut % 3 == 0 {
                    bytes.truncate(cut);
                } else if cut < bytes.len() {
                    bytes[cut] ^= (noise >> 8) as u8;
                }
                bytes
            })
    }

    proptest! {
        #[test]
        fn agrees_with_prost_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            agrees(&bytes);
        }

        #[test]
        fn agrees_with_prost_on_damaged_envelopes(bytes in envelope_like()) {
            agrees(&bytes);
        }
    }
}

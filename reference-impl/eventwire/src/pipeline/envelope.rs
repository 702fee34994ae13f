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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RequestRef<'a> {
    pub(crate) event: &'a str,
    pub(crate) payload: &'a [u8],
}

const EVENT: u32 = 1;
const PAYLOAD: u32 = 2;

impl<'a> RequestRef<'a> {
    /// Reads `bytes` as an encoded `FFIRequest`.
    /// The error is a description for the `INVALID_REQUEST` message.
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Self, String> {
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
                        request.event = std::str::from_utf8(value).map_err(|_| {
                            "FFIRequest.event: invalid string value: data is not UTF-8 encoded"
                                .to_owned()
                        })?;
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

    fn agrees(bytes: &[u8]) {
        match (FfiRequest::decode(bytes), RequestRef::decode(bytes)) {
            (Ok(owned), Ok(borrowed)) => {
                assert_eq!(owned.event, borrowed.event, "{bytes:02x?}");
                assert_eq!(owned.payload, borrowed.payload, "{bytes:02x?}");
            }
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

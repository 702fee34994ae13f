//! A generic protobuf wire reader and writer, independent of prost, written from the encoding
//! documentation (<https://protobuf.dev/programming-guides/encoding/>).
//!
//! It knows records (field number, wire type, raw value) and nothing about schemas. Vectors use it
//! two ways: raw wire anchors (the documentation's worked examples) are written as records, and
//! every canonical vector is re-read with it to check the canonical-encoding rules with code that
//! shares nothing with the encoders that produced the bytes.

/// One record on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub field: u32,
    pub value: WireValue,
    /// Whether the tag and (for VARINT) the value used the fewest possible bytes.
    pub minimal: bool,
}

/// A raw value, by wire type. Groups (wire types 3 and 4) are deprecated and never valid here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireValue {
    Varint(u64),
    I64([u8; 8]),
    Len(Vec<u8>),
    I32([u8; 4]),
}

impl WireValue {
    pub fn wire_type(&self) -> u8 {
        match self {
            WireValue::Varint(_) => 0,
            WireValue::I64(_) => 1,
            WireValue::Len(_) => 2,
            WireValue::I32(_) => 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("offset {0}: varint runs past the end")]
    TruncatedVarint(usize),
    #[error("offset {0}: varint longer than 10 bytes")]
    VarintTooLong(usize),
    #[error("offset {0}: field number 0 or above 2^29-1")]
    BadFieldNumber(usize),
    #[error("offset {offset}: wire type {wire_type} is not supported")]
    BadWireType { offset: usize, wire_type: u8 },
    #[error("offset {0}: value runs past the end")]
    Truncated(usize),
}

/// Reads a varint at `*pos`; returns the value and whether it was minimal.
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Result<(u64, bool), WireError> {
    let start = *pos;
    let mut value: u64 = 0;
    for i in 0..10 {
        let Some(&b) = buf.get(*pos) else {
            return Err(WireError::TruncatedVarint(start));
        };
        *pos += 1;
        if i == 9 && b > 1 {
            return Err(WireError::VarintTooLong(start));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            let len = *pos - start;
            return Ok((value, len == varint_len(value)));
        }
    }
    Err(WireError::VarintTooLong(start))
}

pub fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        if v < 0x80 {
            out.push(v as u8);
            return;
        }
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
}

pub fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

pub fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

pub fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Every record of `buf`, in order. Fails on the first malformed record.
pub fn parse(buf: &[u8]) -> Result<Vec<Record>, WireError> {
    let mut pos = 0;
    let mut records = Vec::new();
    while pos < buf.len() {
        let at = pos;
        let (tag, tag_minimal) = read_varint(buf, &mut pos)?;
        let field = tag >> 3;
        if field == 0 || field > (1 << 29) - 1 {
            return Err(WireError::BadFieldNumber(at));
        }
        let wire_type = (tag & 7) as u8;
        let mut minimal = tag_minimal;
        let value = match wire_type {
            0 => {
                let (v, m) = read_varint(buf, &mut pos)?;
                minimal &= m;
                WireValue::Varint(v)
            }
            1 => WireValue::I64(take::<8>(buf, &mut pos)?),
            2 => {
                let (len, m) = read_varint(buf, &mut pos)?;
                minimal &= m;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|l| pos.checked_add(l))
                    .filter(|&e| e <= buf.len());
                let Some(end) = end else {
                    return Err(WireError::Truncated(at));
                };
                let bytes = buf[pos..end].to_vec();
                pos = end;
                WireValue::Len(bytes)
            }
            5 => WireValue::I32(take::<4>(buf, &mut pos)?),
            _ => {
                return Err(WireError::BadWireType {
                    offset: at,
                    wire_type,
                });
            }
        };
        records.push(Record {
            field: field as u32,
            value,
            minimal,
        });
    }
    Ok(records)
}

fn take<const N: usize>(buf: &[u8], pos: &mut usize) -> Result<[u8; N], WireError> {
    let end = *pos + N;
    let Some(bytes) = buf.get(*pos..end) else {
        return Err(WireError::Truncated(*pos));
    };
    *pos = end;
    Ok(bytes.try_into().expect("N bytes"))
}

/// The minimal encoding of `records`.
pub fn write(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        write_varint(
            u64::from(r.field) << 3 | u64::from(r.value.wire_type()),
            &mut out,
        );
        match &r.value {
            WireValue::Varint(v) => write_varint(*v, &mut out),
            WireValue::I64(b) => out.extend_from_slice(b),
            WireValue::Len(b) => {
                write_varint(b.len() as u64, &mut out);
                out.extend_from_slice(b);
            }
            WireValue::I32(b) => out.extend_from_slice(b),
        }
    }
    out
}

/// A packed run of varints (the body of a packed repeated field).
pub fn parse_packed_varints(buf: &[u8]) -> Result<Vec<u64>, WireError> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < buf.len() {
        out.push(read_varint(buf, &mut pos)?.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_from_the_encoding_guide() {
        let mut out = Vec::new();
        write_varint(150, &mut out);
        assert_eq!(out, [0x96, 0x01]);
        let mut pos = 0;
        assert_eq!(read_varint(&[0x96, 0x01], &mut pos).unwrap(), (150, true));
        let mut pos = 0;
        assert_eq!(
            read_varint(&[0x96, 0x81, 0x00], &mut pos).unwrap(),
            (150, false)
        );
        assert_eq!(varint_len(0), 1);
        assert_eq!(varint_len(u64::MAX), 10);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(i64::from(i32::MIN)), 4294967295);
        assert_eq!(unzigzag(4294967294), i64::from(i32::MAX));
    }

    #[test]
    fn rejects_malformed_records() {
        assert_eq!(parse(&[0x08]), Err(WireError::TruncatedVarint(1)));
        assert_eq!(parse(&[0x12, 0x05, 0x61]), Err(WireError::Truncated(0)));
        assert_eq!(
            parse(&[0x0b]),
            Err(WireError::BadWireType {
                offset: 0,
                wire_type: 3
            })
        );
        assert_eq!(parse(&[0x00, 0x00]), Err(WireError::BadFieldNumber(0)));
        assert!(matches!(
            parse(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ]),
            Err(WireError::VarintTooLong(1))
        ));
    }
}

//! The length-prefixed framing of SPEC.md section 13.3, the one definition every Rust side uses
//! (the stdio host, the conformance runner and testee protocol, the benchmarks and the load
//! tests): a 4-byte little-endian length N, then N bytes.
//!
//! [`split`] cuts frames out of a buffer, [`read_frame`] (or [`read_frame_into`], reusing a
//! buffer) reads one from a blocking reader, and
//! both apply the frame limit to the prefix before reading a body, so a hostile prefix costs
//! nothing. [`encode`] and [`write_frame`] write a frame whole. The async reader of the stdio
//! host (`eventwire_host::framing::FrameReader`) is built on [`split`].

use std::io::{self, Read, Write};

/// Bytes of the length prefix.
pub const PREFIX_LEN: usize = 4;

/// Why no further frame can be read. Either way the stream cannot be resynchronised.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A length prefix above the frame limit (on the stream transport: answered with a closing
    /// `PAYLOAD_TOO_LARGE` fault).
    #[error("frame length {len} exceeds the limit of {max} bytes")]
    TooLarge {
        /// The length the prefix announced.
        len: u64,
        /// The limit it exceeds.
        max: usize,
    },
    /// The input ended inside a frame (on the stream transport: answered with a closing
    /// `INVALID_REQUEST` fault).
    #[error("input ended inside a frame ({have} of {need} bytes)")]
    Truncated {
        /// Bytes of the frame that arrived, prefix included.
        have: usize,
        /// Bytes the frame needed, prefix included (the prefix alone when it was cut short).
        need: usize,
    },
    /// Reading failed.
    #[error("reading the stream failed: {0}")]
    Io(#[from] io::Error),
}

impl From<FrameError> for io::Error {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Io(e) => e,
            FrameError::Truncated { .. } => io::Error::new(io::ErrorKind::UnexpectedEof, e),
            FrameError::TooLarge { .. } => io::Error::new(io::ErrorKind::InvalidData, e),
        }
    }
}

/// Prefixes `body` with its length.
///
/// # Panics
/// If `body` is longer than `u32::MAX` bytes, which no frame limit allows; [`write_frame`]
/// returns an error instead.
pub fn encode(body: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(PREFIX_LEN + body.len());
    frame.extend_from_slice(&prefix(body).expect("frame bodies are bounded by the frame limit"));
    frame.extend_from_slice(body);
    frame
}

/// Writes one frame and flushes.
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let prefix = prefix(body).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "a frame body is at most u32::MAX bytes",
        )
    })?;
    w.write_all(&prefix)?;
    w.write_all(body)?;
    w.flush()
}

fn prefix(body: &[u8]) -> Option<[u8; PREFIX_LEN]> {
    u32::try_from(body.len()).ok().map(u32::to_le_bytes)
}

/// The first complete frame of `buf`: `Ok(Some((body, consumed)))`, `Ok(None)` when `buf` holds
/// only part of a frame, or [`FrameError::TooLarge`] as soon as the prefix is there.
pub fn split(buf: &[u8], max: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let Some(prefix) = buf.first_chunk::<PREFIX_LEN>() else {
        return Ok(None);
    };
    let body_len = checked_len(*prefix, max)?;
    let end = PREFIX_LEN + body_len;
    Ok(buf.get(PREFIX_LEN..end).map(|body| (body, end)))
}

/// Reads one frame of at most `max` body bytes; `Ok(None)` at a clean end of input (before a
/// prefix). The body's buffer is allocated only once the prefix has passed the limit.
pub fn read_frame(r: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut body = Vec::new();
    Ok(read_frame_into(r, max, &mut body)?.then_some(body))
}

/// As [`read_frame`], into `body` (resized to the frame), so that a reader of many frames reuses
/// one buffer; `Ok(false)` at a clean end of input.
pub fn read_frame_into(
    r: &mut impl Read,
    max: usize,
    body: &mut Vec<u8>,
) -> Result<bool, FrameError> {
    let mut prefix = [0u8; PREFIX_LEN];
    let mut got = 0;
    while got < PREFIX_LEN {
        match r.read(&mut prefix[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => {
                return Err(FrameError::Truncated {
                    have: got,
                    need: PREFIX_LEN,
                });
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = checked_len(prefix, max)?;
    body.resize(len, 0);
    let mut have = 0;
    while have < len {
        match r.read(&mut body[have..]) {
            Ok(0) => {
                return Err(FrameError::Truncated {
                    have: PREFIX_LEN + have,
                    need: PREFIX_LEN + len,
                });
            }
            Ok(n) => have += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

fn checked_len(prefix: [u8; PREFIX_LEN], max: usize) -> Result<usize, FrameError> {
    let len = u32::from_le_bytes(prefix);
    usize::try_from(len)
        .ok()
        .filter(|n| *n <= max)
        .ok_or(FrameError::TooLarge {
            len: len.into(),
            max,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_matches_the_spec_example() {
        // SPEC.md section 13.3: cancel{id: 1}.
        let body = [0x22, 0x02, 0x08, 0x01];
        assert_eq!(encode(&body), [0x04, 0, 0, 0, 0x22, 0x02, 0x08, 0x01]);
        assert_eq!(encode(&[]), [0, 0, 0, 0]);
        let mut written = Vec::new();
        write_frame(&mut written, &body).unwrap();
        assert_eq!(written, encode(&body));
    }

    #[test]
    fn split_handles_partial_exact_and_oversized_input() {
        assert!(matches!(split(&[4, 0, 0], 10), Ok(None)));
        assert!(matches!(split(&[4, 0, 0, 0, 1, 2, 3], 10), Ok(None)));
        let (body, used) = split(&[2, 0, 0, 0, 7, 8, 9], 10).unwrap().unwrap();
        assert_eq!((body, used), (&[7u8, 8][..], 6));
        assert!(matches!(
            split(&[11, 0, 0, 0], 10),
            Err(FrameError::TooLarge { len: 11, max: 10 })
        ));
        assert!(matches!(split(&[10, 0, 0, 0], 10), Ok(None)));
    }

    #[test]
    fn read_frame_tells_clean_end_from_truncation_and_checks_the_limit_first() {
        let mut wire = encode(b"abc");
        wire.extend(encode(b""));
        let mut r = wire.as_slice();
        assert_eq!(read_frame(&mut r, 16).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_frame(&mut r, 16).unwrap(), Some(vec![]));
        assert_eq!(read_frame(&mut r, 16).unwrap(), None);

        assert!(matches!(
            read_frame(&mut &[3u8, 0][..], 16),
            Err(FrameError::Truncated { have: 2, need: 4 })
        ));
        assert!(matches!(
            read_frame(&mut &[3u8, 0, 0, 0, 1][..], 16),
            Err(FrameError::Truncated { have: 5, need: 7 })
        ));
        // Over the limit: refused from the prefix alone, nothing allocated for the body.
        assert!(matches!(
            read_frame(&mut &[0xff, 0xff, 0xff, 0xff][..], 16),
            Err(FrameError::TooLarge {
                len: 0xffff_ffff,
                max: 16
            })
        ));
        let e: io::Error = read_frame(&mut &[3u8, 0][..], 16).unwrap_err().into();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}

//! The frames of the length-prefixed stream (SPEC.md section 13.3): a 4-byte little-endian
//! length N, then N bytes holding one encoded `StreamFrame`.
//!
//! [`split`] works on a buffer and [`FrameReader`] on an async byte stream; both apply the frame
//! limit to the prefix before reading a body, so a hostile prefix costs nothing. [`encode`] writes
//! a frame whole, ready for a single `write_all`.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes of the length prefix.
pub const PREFIX_LEN: usize = 4;

/// Why no further frame can be read. Either way the stream cannot be resynchronised.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A length prefix above the frame limit: answered with a closing `PAYLOAD_TOO_LARGE` fault.
    #[error("frame length {len} exceeds the limit of {max} bytes")]
    TooLarge { len: u64, max: usize },
    /// The input ended inside a frame: answered with a closing `INVALID_REQUEST` fault.
    #[error("input ended inside a frame ({have} of {need} bytes)")]
    Truncated { have: usize, need: usize },
    /// Reading failed.
    #[error("reading the stream failed: {0}")]
    Io(#[from] io::Error),
}

/// Prefixes `body` with its length. `body` must not be longer than `u32::MAX` bytes; callers
/// keep bodies within the frame limit, which is far below.
pub fn encode(body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).expect("frame bodies are bounded by the frame limit");
    let mut frame = Vec::with_capacity(PREFIX_LEN + body.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(body);
    frame
}

/// The first complete frame of `buf`: `Ok(Some((body, consumed)))`, `Ok(None)` when `buf` holds
/// only part of a frame, or [`FrameError::TooLarge`].
pub fn split(buf: &[u8], max: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let Some(prefix) = buf.first_chunk::<PREFIX_LEN>() else { return Ok(None) };
    let len = u32::from_le_bytes(*prefix);
    let body_len = usize::try_from(len).ok().filter(|n| *n <= max).ok_or(FrameError::TooLarge { len: len.into(), max })?;
    let end = PREFIX_LEN + body_len;
    Ok(buf.get(PREFIX_LEN..end).map(|body| (body, end)))
}

/// Reads frame bodies from an async byte stream.
#[derive(Debug)]
pub struct FrameReader<R> {
    input: R,
    max: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Reads frames of at most `max` body bytes from `input`.
    pub fn new(input: R, max: usize) -> Self {
        FrameReader { input, max }
    }

    /// The next frame's body; `Ok(None)` when the input ended at a frame boundary.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let mut prefix = [0u8; PREFIX_LEN];
        let mut have = 0;
        while have < PREFIX_LEN {
            match self.input.read(&mut prefix[have..]).await? {
                0 if have == 0 => return Ok(None),
                0 => return Err(FrameError::Truncated { have, need: PREFIX_LEN }),
                n => have += n,
            }
        }
        let len = u32::from_le_bytes(prefix);
        let body_len = usize::try_from(len)
            .ok()
            .filter(|n| *n <= self.max)
            .ok_or(FrameError::TooLarge { len: len.into(), max: self.max })?;
        // Grows as bytes arrive rather than allocating the announced length up front.
        let mut body = Vec::with_capacity(body_len.min(64 * 1024));
        let read = (&mut self.input).take(body_len as u64).read_to_end(&mut body).await?;
        if read < body_len {
            return Err(FrameError::Truncated { have: PREFIX_LEN + read, need: PREFIX_LEN + body_len });
        }
        Ok(Some(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_matches_the_spec_example() {
        // SPEC.md section 13.3: cancel{id: 1}.
        assert_eq!(encode(&[0x22, 0x02, 0x08, 0x01]), [0x04, 0, 0, 0, 0x22, 0x02, 0x08, 0x01]);
        assert_eq!(encode(&[]), [0, 0, 0, 0]);
    }

    #[test]
    fn split_handles_partial_exact_and_oversized_input() {
        assert!(matches!(split(&[4, 0, 0], 10), Ok(None)));
        assert!(matches!(split(&[4, 0, 0, 0, 1, 2, 3], 10), Ok(None)));
        let (body, used) = split(&[2, 0, 0, 0, 7, 8, 9], 10).unwrap().unwrap();
        assert_eq!((body, used), (&[7u8, 8][..], 6));
        assert!(matches!(split(&[11, 0, 0, 0], 10), Err(FrameError::TooLarge { len: 11, max: 10 })));
        assert!(matches!(split(&[10, 0, 0, 0], 10), Ok(None)));
    }

    #[tokio::test]
    async fn reader_tells_clean_end_from_truncation() {
        let mut r = FrameReader::new(&[1u8, 0, 0, 0, 9, 0, 0, 0, 0][..], 16);
        assert_eq!(r.next().await.unwrap(), Some(vec![9]));
        assert_eq!(r.next().await.unwrap(), Some(vec![]));
        assert!(r.next().await.unwrap().is_none());

        let mut r = FrameReader::new(&[1u8, 0][..], 16);
        assert!(matches!(r.next().await, Err(FrameError::Truncated { have: 2, need: 4 })));
        let mut r = FrameReader::new(&[3u8, 0, 0, 0, 1][..], 16);
        assert!(matches!(r.next().await, Err(FrameError::Truncated { have: 5, need: 7 })));
        let mut r = FrameReader::new(&[0xffu8, 0xff, 0xff, 0xff][..], 16);
        assert!(matches!(r.next().await, Err(FrameError::TooLarge { len: 0xffff_ffff, .. })));
    }
}

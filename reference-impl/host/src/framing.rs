//! Frames of the length-prefixed stream (SPEC.md section 13.3) read from an async byte stream.
//! The framing itself (prefix, limit, errors, encoding) is [`eventwire::framing`]'s; this
//! module adds the chunked reader the host's standard input needs.

use eventwire::framing::{FrameError, PREFIX_LEN, split};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes asked of the input per read: large enough that a pipelining front end's frames arrive
/// many per read (each read of a tokio standard input is a trip to its blocking pool).
pub const READ_CHUNK: usize = 64 * 1024;

/// A buffer that grew for one large frame is given back once it is empty, above this size.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// Reads frame bodies from an async byte stream.
///
/// Reads in chunks of [`READ_CHUNK`] bytes into one buffer and splits frames out of it with
/// [`split`], so a stream of small frames costs one read per chunk rather than two per frame.
/// A large frame's buffer grows as its bytes arrive, never to the announced length up front.
#[derive(Debug)]
pub struct FrameReader<R> {
    input: R,
    max: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out.
    start: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Reads frames of at most `max` body bytes from `input`.
    pub fn new(input: R, max: usize) -> Self {
        FrameReader {
            input,
            max,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// The next frame's body; `Ok(None)` when the input ended at a frame boundary.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        Ok(self.next_ref().await?.map(<[u8]>::to_vec))
    }

    /// As [`next`](Self::next), borrowing the body from the reader's buffer instead of copying it.
    pub async fn next_ref(&mut self) -> Result<Option<&[u8]>, FrameError> {
        let (from, to) = loop {
            let have = &self.buf[self.start..];
            if let Some((body, used)) = split(have, self.max)? {
                let from = self.start + PREFIX_LEN;
                let to = from + body.len();
                self.start += used;
                break (from, to);
            }
            if self.fill().await? == 0 {
                let have = self.buf.len() - self.start;
                return match self.buf.get(self.start..self.start + PREFIX_LEN) {
                    None if have == 0 => Ok(None),
                    None => Err(FrameError::Truncated {
                        have,
                        need: PREFIX_LEN,
                    }),
                    Some(prefix) => {
                        let len = u32::from_le_bytes(prefix.try_into().expect("PREFIX_LEN bytes"));
                        Err(FrameError::Truncated {
                            have,
                            need: PREFIX_LEN + len as usize,
                        })
                    }
                };
            }
        };
        Ok(Some(&self.buf[from..to]))
    }

    /// Moves the unread bytes to the front and reads once more; the number of bytes read, 0 at
    /// the end of the input.
    async fn fill(&mut self) -> Result<usize, FrameError> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.buf.is_empty() && self.buf.capacity() > KEEP_CAPACITY {
            self.buf = Vec::new();
        }
        self.buf.reserve(READ_CHUNK);
        Ok(self.input.read_buf(&mut self.buf).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire::framing::encode;
    use std::io;

    #[tokio::test]
    async fn reader_tells_clean_end_from_truncation() {
        let mut r = FrameReader::new(&[1u8, 0, 0, 0, 9, 0, 0, 0, 0][..], 16);
        assert_eq!(r.next().await.unwrap(), Some(vec![9]));
        assert_eq!(r.next().await.unwrap(), Some(vec![]));
        assert!(r.next().await.unwrap().is_none());

        let mut r = FrameReader::new(&[1u8, 0][..], 16);
        assert!(matches!(
            r.next().await,
            Err(FrameError::Truncated { have: 2, need: 4 })
        ));
        let mut r = FrameReader::new(&[3u8, 0, 0, 0, 1][..], 16);
        assert!(matches!(
            r.next().await,
            Err(FrameError::Truncated { have: 5, need: 7 })
        ));
        let mut r = FrameReader::new(&[0xffu8, 0xff, 0xff, 0xff][..], 16);
        assert!(matches!(
            r.next().await,
            Err(FrameError::TooLarge {
                len: 0xffff_ffff,
                ..
            })
        ));
    }

    /// Hands out its bytes `step` at a time, so frames straddle reads.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl tokio::io::AsyncRead for Trickle<'_> {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            let n = self.step.min(self.bytes.len()).min(buf.remaining());
            buf.put_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn frames_straddling_reads_and_chunks_come_out_whole_and_in_order() {
        let bodies: Vec<Vec<u8>> = (0..300usize)
            .map(|i| {
                vec![
                    i as u8;
                    if i % 50 == 7 {
                        READ_CHUNK + 1000 + i
                    } else {
                        i % 23
                    }
                ]
            })
            .collect();
        let stream: Vec<u8> = bodies.iter().flat_map(|b| encode(b)).collect();
        for step in [1, 3, 4, 5, 4096, READ_CHUNK, usize::MAX] {
            let mut r = FrameReader::new(
                Trickle {
                    bytes: &stream,
                    step,
                },
                2 * READ_CHUNK,
            );
            for (i, body) in bodies.iter().enumerate() {
                assert_eq!(
                    r.next_ref().await.unwrap(),
                    Some(&body[..]),
                    "frame {i}, step {step}"
                );
            }
            assert!(r.next().await.unwrap().is_none(), "step {step}");
        }
    }
}

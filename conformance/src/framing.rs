//! The testee protocol's frames: the stream transport's framing ([`eventwire::framing`]) with the
//! testee protocol's own frame limit.

use std::io::{self, Read};

/// The largest frame either side accepts (a dispatch case with a payload over the default 16 MiB
/// limit fits).
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Reads one frame of at most [`MAX_FRAME`] bytes; `Ok(None)` at a clean end of stream (before a
/// length prefix).
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    Ok(eventwire::framing::read_frame(r, MAX_FRAME)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire::framing::encode;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut wire = encode(b"abc");
        wire.extend(encode(b""));
        let mut r = wire.as_slice();
        assert_eq!(read_frame(&mut r).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_frame(&mut r).unwrap(), Some(vec![]));
        assert_eq!(read_frame(&mut r).unwrap(), None);
    }

    #[test]
    fn truncation_and_the_testee_limit_are_errors() {
        assert!(read_frame(&mut &[3u8, 0][..]).is_err());
        assert!(read_frame(&mut &[3u8, 0, 0, 0, 1][..]).is_err());
        let over = u32::try_from(MAX_FRAME + 1).unwrap().to_le_bytes();
        let e = read_frame(&mut &over[..]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}

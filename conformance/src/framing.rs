//! Framing of the testee protocol: a 4-byte little-endian length, then that many bytes.

use std::io::{self, Read, Write};

/// The largest frame either side accepts (a dispatch case with a payload over the default 16 MiB
/// limit fits).
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Writes one frame and flushes.
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(body)?;
    w.flush()
}

/// One frame as bytes: what [`write_frame`] writes.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    write_frame(&mut out, body).expect("writing to a Vec cannot fail");
    out
}

/// Reads one frame; `Ok(None)` at a clean end of stream (before a length prefix).
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "end of stream inside a length prefix",
                ));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is over the {MAX_FRAME} limit"),
        ));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut wire = frame(b"abc");
        wire.extend(frame(b""));
        let mut r = wire.as_slice();
        assert_eq!(read_frame(&mut r).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_frame(&mut r).unwrap(), Some(vec![]));
        assert_eq!(read_frame(&mut r).unwrap(), None);
        assert_eq!(frame(b"abc")[..4], [3, 0, 0, 0]);
    }

    #[test]
    fn truncation_and_oversize_are_errors() {
        assert!(read_frame(&mut &[3u8, 0][..]).is_err());
        assert!(read_frame(&mut &[3u8, 0, 0, 0, 1][..]).is_err());
        assert!(read_frame(&mut &[0xff, 0xff, 0xff, 0xff][..]).is_err());
    }
}

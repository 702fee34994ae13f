//! The one spelling of bytes in vector files: lower-case hex, one space between bytes.
//!
//! Strict on purpose: a file is either in this form or malformed, so two files that mean the same
//! bytes are also the same text, and diffs show byte changes and nothing else.

/// `[0x0a, 0x04]` -> `"0a 04"`; empty bytes -> `""`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Why a hex string is not in the vector-file form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    #[error("byte {index}: `{text}` is not two lower-case hex digits")]
    BadByte { index: usize, text: String },
    #[error("bytes must be separated by exactly one space")]
    BadSpacing,
}

/// The inverse of [`to_hex`]; rejects upper case, missing or doubled spaces and odd digits.
pub fn from_hex(s: &str) -> Result<Vec<u8>, HexError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.contains("  ") {
        return Err(HexError::BadSpacing);
    }
    s.split(' ')
        .enumerate()
        .map(|(index, t)| {
            let ok = t.len() == 2
                && t.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
            if ok {
                Ok(u8::from_str_radix(t, 16).expect("checked digits"))
            } else {
                Err(HexError::BadByte {
                    index,
                    text: t.to_owned(),
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_strict() {
        assert_eq!(to_hex(&[0x0a, 0x04, 0xff]), "0a 04 ff");
        assert_eq!(from_hex("0a 04 ff").unwrap(), vec![0x0a, 0x04, 0xff]);
        assert_eq!(from_hex("").unwrap(), Vec::<u8>::new());
        assert!(from_hex("0A").is_err());
        assert!(from_hex("0a  04").is_err());
        assert!(from_hex("0a04").is_err());
        assert!(from_hex(" 0a").is_err());
        assert!(from_hex("0g").is_err());
    }
}

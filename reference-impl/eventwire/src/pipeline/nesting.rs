//! The nesting-depth check: walks the payload's wire format with the input's descriptor, before
//! anything decodes it, and counts how deep embedded messages go. The top-level message is depth
//! 1; each embedded message (a message field, a map entry, a group) adds 1. Only fields the
//! descriptor types as messages are entered; unknown length-delimited fields are skipped as the
//! decoder skips them. Malformed bytes end the walk without a verdict: decoding then reports them.

use prost_reflect::{Kind, MessageDescriptor};

/// The descriptor the walk needs for `input`: `None` when no field of it is a message (nor a
/// map), since then only groups can nest, and the walk finds those without a descriptor; this
/// saves a field lookup per length-delimited field of such payloads.
pub(crate) fn walk_descriptor(input: Option<&MessageDescriptor>) -> Option<MessageDescriptor> {
    input
        .filter(|m| m.fields().any(|f| matches!(f.kind(), Kind::Message(_))))
        .cloned()
}

/// Whether `payload`, read as `message` (`None`: an empty message), nests deeper than `max`.
///
/// Every level below the top takes at least one byte of the payload (a group's start tag; a
/// message field's tag and length take two), so a payload shorter than `max` bytes cannot
/// reach level `max + 1`: most requests are decided without walking them.
pub(crate) fn too_deep(payload: &[u8], message: Option<&MessageDescriptor>, max: u32) -> bool {
    if payload.len() < max as usize {
        return false;
    }
    walk_too_deep(payload, message, max)
}

/// The walk itself, for any length.
fn walk_too_deep(payload: &[u8], message: Option<&MessageDescriptor>, max: u32) -> bool {
    let mut buf = payload;
    matches!(fields(&mut buf, message, 1, max, None), Err(Stop::TooDeep))
}

enum Stop {
    TooDeep,
    Malformed,
}

/// Walks the fields of one message at `depth` until `buf` ends, or, inside a group, until the
/// group's end tag (which it consumes).
fn fields(
    buf: &mut &[u8],
    message: Option<&MessageDescriptor>,
    depth: u32,
    max: u32,
    group: Option<u64>,
) -> Result<(), Stop> {
    if depth > max {
        return Err(Stop::TooDeep);
    }
    while !buf.is_empty() {
        let key = varint(buf)?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(Stop::Malformed);
        }
        match key & 7 {
            0 => {
                varint(buf)?;
            }
            1 => skip(buf, 8)?,
            5 => skip(buf, 4)?,
            2 => {
                let len = usize::try_from(varint(buf)?).map_err(|_| Stop::Malformed)?;
                if len > buf.len() {
                    return Err(Stop::Malformed);
                }
                let (mut body, rest) = buf.split_at(len);
                *buf = rest;
                let sub = message
                    .and_then(|m| m.get_field(number as u32))
                    .and_then(|f| match f.kind() {
                        Kind::Message(sub) => Some(sub),
                        _ => None,
                    });
                if let Some(sub) = sub {
                    fields(&mut body, Some(&sub), depth + 1, max, None)?;
                }
            }
            3 => fields(buf, None, depth + 1, max, Some(number))?,
            4 => {
                return if group == Some(number) {
                    Ok(())
                } else {
                    Err(Stop::Malformed)
                };
            }
            _ => return Err(Stop::Malformed),
        }
    }
    if group.is_some() {
        Err(Stop::Malformed)
    } else {
        Ok(())
    }
}

fn varint(buf: &mut &[u8]) -> Result<u64, Stop> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&byte, rest) = buf.split_first().ok_or(Stop::Malformed)?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(Stop::Malformed)
}

fn skip(buf: &mut &[u8], n: usize) -> Result<(), Stop> {
    if buf.len() < n {
        return Err(Stop::Malformed);
    }
    *buf = &buf[n..];
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire_schema::{descriptor_pool, project_pb as pb};
    use prost::Message;

    fn recursive(levels: u32) -> Vec<u8> {
        let mut m = pb::RecursivePb {
            depth: levels,
            child: None,
        };
        for d in (1..levels).rev() {
            m = pb::RecursivePb {
                depth: d,
                child: Some(Box::new(m)),
            };
        }
        m.encode_to_vec()
    }

    fn desc(name: &str) -> MessageDescriptor {
        descriptor_pool().get_message_by_name(name).unwrap()
    }

    #[test]
    fn only_inputs_with_message_fields_need_their_descriptor() {
        let walked = |name| walk_descriptor(Some(&desc(name))).is_some();
        assert!(walked("eventwire.v1.RecursivePB"));
        assert!(walked("eventwire.v1.AllTypesPB"));
        assert!(!walked("eventwire.v1.NestedPB"));
        assert!(!walked("eventwire.v1.SignInPayloadPB"));
        // Without the descriptor, group nesting is still found.
        let groups = [0x0b, 0x0b, 0x0c, 0x0c];
        assert!(too_deep(
            &groups,
            walk_descriptor(Some(&desc("eventwire.v1.NestedPB"))).as_ref(),
            2
        ));
    }

    #[test]
    fn depth_counts_the_top_level_message_as_one() {
        let d = desc("eventwire.v1.RecursivePB");
        assert!(!too_deep(&recursive(64), Some(&d), 64));
        assert!(too_deep(&recursive(65), Some(&d), 64));
        assert!(!too_deep(&recursive(1), Some(&d), 1));
        assert!(too_deep(&recursive(2), Some(&d), 1));
    }

    #[test]
    fn map_entries_count_as_a_level() {
        let d = desc("eventwire.v1.AllTypesPB");
        let mut m = pb::AllTypesPb::default();
        m.m_string_nested.insert(
            "k".into(),
            pb::NestedPb {
                a: 1,
                b: "x".into(),
            },
        );
        let bytes = m.encode_to_vec();
        // AllTypesPB (1) > map entry (2) > NestedPB (3).
        assert!(!too_deep(&bytes, Some(&d), 3));
        assert!(too_deep(&bytes, Some(&d), 2));
    }

    #[test]
    fn unknown_length_delimited_fields_are_not_entered() {
        // Field 99 of AllTypesPB is unknown: its bytes look like a deep message, but are skipped.
        let inner = recursive(10);
        let mut bytes = vec![0x9a, 0x06];
        prost::encoding::encode_varint(inner.len() as u64, &mut bytes);
        bytes.extend_from_slice(&inner);
        assert!(!too_deep(&bytes, Some(&desc("eventwire.v1.AllTypesPB")), 2));
    }

    #[test]
    fn groups_count_as_levels_even_without_a_descriptor() {
        // Three nested unknown groups of field 1 (start tag 0x0b, end tag 0x0c).
        let bytes = [0x0b, 0x0b, 0x0b, 0x0c, 0x0c, 0x0c];
        assert!(!too_deep(&bytes, None, 4));
        assert!(too_deep(&bytes, None, 3));
    }

    #[test]
    fn malformed_bytes_are_left_to_the_decoder() {
        let d = desc("eventwire.v1.RecursivePB");
        assert!(!too_deep(&[0x12, 0x05, 0x08], Some(&d), 1));
        assert!(!too_deep(&[0xff; 11], Some(&d), 1));
    }

    #[test]
    fn payloads_shorter_than_the_limit_never_nest_past_it() {
        // Exhaustively, over tags that open groups and message fields (RecursivePB's `child` is
        // field 2: 0x12), close groups, and carry lengths and scalars: the walk never finds a
        // payload of fewer than `max` bytes too deep, so skipping it for them changes nothing.
        let alphabet = [0x0b, 0x0c, 0x12, 0x13, 0x14, 0x00, 0x01, 0x02, 0x08];
        let d = desc("eventwire.v1.RecursivePB");
        for max in 1..=5u32 {
            let mut payload = Vec::new();
            for len in 0..max as usize {
                let mut index = vec![0usize; len];
                loop {
                    payload.clear();
                    payload.extend(index.iter().map(|&i| alphabet[i]));
                    for message in [Some(&d), None] {
                        assert!(
                            !walk_too_deep(&payload, message, max),
                            "{payload:02x?} max {max}"
                        );
                    }
                    // Next combination, odometer style.
                    let Some(pos) = index.iter().rposition(|&i| i + 1 < alphabet.len()) else {
                        break;
                    };
                    index[pos] += 1;
                    index[pos + 1..].iter_mut().for_each(|i| *i = 0);
                }
            }
            // At `max` bytes the walk does find unterminated groups too deep: the bound is tight.
            let groups = vec![0x0b; max as usize];
            assert!(walk_too_deep(&groups, None, max));
            assert!(too_deep(&groups, None, max));
        }
    }
}

//! The worked examples of the encoding guide, with the guide's own bytes written out here.
//!
//! Each example appears twice: as a `wire` case (the guide's message, read by a generic wire
//! reader, field numbers exactly as in the guide), and, where this schema has a field with the
//! same number and type, as an `encode` case on that field.

use serde_json::json;

use super::spec::*;
use super::{Body, Def};
use crate::vectors::format::{WireRecord, WireType};

const FILE: &str = "encoding/anchors.yaml";
pub const GUIDE: &str = "https://protobuf.dev/programming-guides/encoding/";

fn rec(field: u32, wire_type: WireType) -> WireRecord {
    WireRecord {
        field,
        wire_type,
        varint: None,
        hex: None,
        zigzag: None,
        utf8: None,
        packed_varints: None,
    }
}

fn anchor(
    name: &str,
    description: &str,
    spec: &[&'static str],
    tags: &[&'static str],
    body: Body,
) -> Def {
    let mut d = super::def(FILE, name, description, spec, tags, body);
    d.source = Some(GUIDE);
    d.tags.push("anchor");
    d
}

pub fn defs() -> Vec<Def> {
    let mut defs = vec![
        anchor(
            "guide-varint-150",
            "Guide, 'A Simple Message': Test1 { int32 a = 1 } with a = 150 is 08 96 01.",
            &[ENC_VARINT],
            &["varint"],
            Body::Wire {
                bytes: vec![0x08, 0x96, 0x01],
                records: vec![WireRecord {
                    varint: Some(150),
                    ..rec(1, WireType::Varint)
                }],
            },
        ),
        anchor(
            "guide-string-testing",
            "Guide, 'Length-Delimited Records': Test2 { string b = 2 } with b = \"testing\".",
            &[ENC_ORDER],
            &["string"],
            Body::Wire {
                bytes: vec![0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67],
                records: vec![WireRecord {
                    hex: Some("74 65 73 74 69 6e 67".into()),
                    utf8: Some("testing".into()),
                    ..rec(2, WireType::Len)
                }],
            },
        ),
        anchor(
            "guide-submessage",
            "Guide, 'Submessages': Test3 { Test1 c = 3 } with c.a = 150 is 1a 03 08 96 01.",
            &[ENC_ORDER],
            &["nested"],
            Body::Wire {
                bytes: vec![0x1a, 0x03, 0x08, 0x96, 0x01],
                records: vec![WireRecord {
                    hex: Some("08 96 01".into()),
                    ..rec(3, WireType::Len)
                }],
            },
        ),
        anchor(
            "guide-packed-repeated",
            "Guide, 'Packed Repeated Fields': Test5 { repeated int32 f = 6 [packed = true] } with [3, 270, 86942] is 32 06 03 8e 02 9e a7 05.",
            &[ENC_PACKED],
            &["packed"],
            Body::Wire {
                bytes: vec![0x32, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05],
                records: vec![WireRecord {
                    hex: Some("03 8e 02 9e a7 05".into()),
                    packed_varints: Some(vec![3, 270, 86942]),
                    ..rec(6, WireType::Len)
                }],
            },
        ),
        // Mapped onto this schema: NestedPB { int32 a = 1; string b = 2; } is Test1 and Test2.
        anchor(
            "guide-varint-150-nestedpb",
            "The guide's Test1 example on NestedPB.a (same number 1, same type int32).",
            &[ENC_VARINT],
            &["varint"],
            Body::Encode {
                ty: "eventwire.v1.NestedPB",
                value: json!({"a": 150}),
            },
        ),
        anchor(
            "guide-string-testing-nestedpb",
            "The guide's Test2 example on NestedPB.b (same number 2, same type string).",
            &[ENC_ORDER],
            &["string"],
            Body::Encode {
                ty: "eventwire.v1.NestedPB",
                value: json!({"b": "testing"}),
            },
        ),
        anchor(
            "guide-submessage-alltypes",
            "The guide's Test3 example on AllTypesPB.f_nested (field 17, so the tag is 8a 01 instead of 1a).",
            &[ENC_ORDER],
            &["nested"],
            Body::Encode {
                ty: "eventwire.v1.AllTypesPB",
                value: json!({"fNested": {"a": 150}}),
            },
        ),
        anchor(
            "guide-packed-repeated-alltypes",
            "The guide's packed example on AllTypesPB.r_int32_packed (field 20, so the tag is a2 01 instead of 32).",
            &[ENC_PACKED],
            &["packed"],
            Body::Encode {
                ty: "eventwire.v1.AllTypesPB",
                value: json!({"rInt32Packed": [3, 270, 86942]}),
            },
        ),
    ];
    // Guide, 'Signed Integers': the zigzag table, on sint32 field 7 of AllTypesPB (implicit
    // presence, so 0 is the empty message) and, including 0, on packed sint64 field 22.
    let zigzag: [(i64, u64); 6] = [
        (0, 0),
        (-1, 1),
        (1, 2),
        (-2, 3),
        (2147483647, 4294967294),
        (-2147483648, 4294967295),
    ];
    defs.push(anchor(
        "guide-zigzag-table",
        "Guide, 'Signed Integers': the zigzag table as one record each of a sint32 field 1.",
        &[ENC_VARINT],
        &["zigzag"],
        Body::Wire {
            bytes: vec![
                0x08, 0x00, 0x08, 0x01, 0x08, 0x02, 0x08, 0x03, 0x08, 0xfe, 0xff, 0xff, 0xff, 0x0f,
                0x08, 0xff, 0xff, 0xff, 0xff, 0x0f,
            ],
            records: zigzag
                .iter()
                .map(|&(n, z)| WireRecord {
                    varint: Some(z),
                    zigzag: Some(n),
                    ..rec(1, WireType::Varint)
                })
                .collect(),
        },
    ));
    for (n, _) in zigzag.iter().skip(1) {
        defs.push(anchor(
            &format!("guide-zigzag-sint32-{n}"),
            &format!("Guide, 'Signed Integers': sint32 {n} on AllTypesPB.f_sint32 (field 7)."),
            &[ENC_VARINT],
            &["zigzag"],
            Body::Encode {
                ty: "eventwire.v1.AllTypesPB",
                value: json!({"fSint32": n}),
            },
        ));
    }
    defs.push(anchor(
        "guide-zigzag-sint64-packed",
        "Guide, 'Signed Integers': the whole table, 0 included, on packed AllTypesPB.r_sint64_packed (field 22).",
        &[ENC_VARINT, ENC_PACKED],
        &["zigzag", "packed"],
        Body::Encode {
            ty: "eventwire.v1.AllTypesPB",
            value: json!({"rSint64Packed": ["0", "-1", "1", "-2", "2147483647", "-2147483648"]}),
        },
    ));
    defs
}

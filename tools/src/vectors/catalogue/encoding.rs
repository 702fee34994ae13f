//! AllTypesPB, feature by feature: every scalar at its edges, repeated, maps, presence, and the
//! non-canonical inputs every decoder must accept.

use serde_json::{Value as Json, json};

use super::spec::*;
use super::w::*;
use super::{Body, Def, def};

const ALL: &str = "eventwire.v1.AllTypesPB";

fn enc(
    file: &'static str,
    name: &str,
    description: &str,
    spec: &[&'static str],
    tags: &[&'static str],
    value: Json,
) -> Def {
    def(
        file,
        name,
        description,
        spec,
        tags,
        Body::Encode { ty: ALL, value },
    )
}

fn dec(
    file: &'static str,
    name: &str,
    description: &str,
    spec: &[&'static str],
    tags: &[&'static str],
    bytes: Vec<u8>,
    value: Json,
) -> Def {
    def(
        file,
        name,
        description,
        spec,
        tags,
        Body::Decode {
            ty: ALL,
            bytes,
            value,
        },
    )
}

pub fn defs() -> Vec<Def> {
    let mut d = scalars();
    d.extend(repeated());
    d.extend(maps());
    d.extend(presence());
    d.extend(noncanonical());
    d.extend(precision());
    d
}

/// Values that survive only an exact implementation: 64-bit integers just beyond 2^53 (a binding
/// that passes them through a double rounds them to 2^53, and the extremes alone would not show
/// it) and the infinities (an implementation that maps non-finite numbers to 0 loses them).
/// Negative zero and NaN have encoding latitude (REQ-ENC-6, REQ-ENC-7), so their cases are in the
/// conformance suite (`binding-encoding.yaml`), which can list every allowed encoding.
fn precision() -> Vec<Def> {
    const S: &str = "encoding/scalars.yaml";
    const R: &str = "encoding/repeated.yaml";
    const M: &str = "encoding/maps.yaml";
    let above = "9007199254740993"; // 2^53 + 1
    let below = "-9007199254740993"; // -(2^53 + 1)
    let mut d = Vec::new();
    for (field, tags, signed) in [
        (
            "fInt64",
            &["varint", "int64-json-string", "precision"][..],
            true,
        ),
        (
            "fUint64",
            &["varint", "int64-json-string", "precision"],
            false,
        ),
        (
            "fSint64",
            &["zigzag", "int64-json-string", "precision"],
            true,
        ),
        (
            "fFixed64",
            &["fixed", "int64-json-string", "precision"],
            false,
        ),
        (
            "fSfixed64",
            &["fixed", "int64-json-string", "precision"],
            true,
        ),
    ] {
        let slug = snake(field).replace('_', "-");
        let spec: &[&'static str] = if tags.contains(&"fixed") {
            &[ENC_ORDER]
        } else {
            &[ENC_ORDER, ENC_VARINT]
        };
        d.push(enc(S, &format!("{slug}-above-2-53"), &format!("{} = 2^53 + 1: not representable as a double, so a binding that reads 64-bit integers through one writes 2^53.", snake(field)), spec, tags, json!({ field: above })));
        if signed {
            d.push(enc(
                S,
                &format!("{slug}-below-minus-2-53"),
                &format!("{} = -(2^53 + 1), the negative counterpart.", snake(field)),
                spec,
                tags,
                json!({ field: below }),
            ));
        }
    }
    for (field, slug) in [("fDouble", "f-double"), ("fFloat", "f-float")] {
        for (name, v) in [
            ("positive-infinity", "Infinity"),
            ("negative-infinity", "-Infinity"),
        ] {
            d.push(enc(
                S,
                &format!("{slug}-{name}"),
                &format!(
                    "{} = {v}: written as the IEEE 754 infinity, proto-JSON \"{v}\".",
                    snake(field)
                ),
                &[ENC_ORDER, ENC_FLOAT],
                &["float", "non-finite"],
                json!({ field: v }),
            ));
        }
    }
    d.push(enc(
        R,
        "r-sint64-packed-beyond-2-53",
        "Packed sint64 elements just beyond +-2^53, and 2^53 itself: each survives exactly.",
        &[ENC_PACKED, ENC_VARINT],
        &["packed", "zigzag", "int64-json-string", "precision"],
        json!({"rSint64Packed": [above, below, "9007199254740992"]}),
    ));
    d.push(enc(
        R,
        "r-double-packed-infinities",
        "Packed doubles: +Infinity, -Infinity and 1 between them.",
        &[ENC_PACKED, ENC_FLOAT],
        &["packed", "float", "non-finite"],
        json!({"rDoublePacked": ["Infinity", 1.0, "-Infinity"]}),
    ));
    d.push(enc(
        M,
        "m-uint64-bytes-keys-beyond-2-53",
        "uint64 map keys 2^53 and 2^53 + 1: distinct keys that a double would merge into one.",
        &[ENC_MAPS, ENC_VARINT],
        &["map", "int64-json-string", "precision"],
        json!({"mUint64Bytes": {"9007199254740992": "AQ==", above: "Ag=="}}),
    ));
    d
}

fn scalars() -> Vec<Def> {
    const F: &str = "encoding/scalars.yaml";
    let mut d = vec![enc(
        F,
        "alltypes-empty",
        "Every field at its default: nothing is written.",
        &[ENC_DEFAULTS],
        &["defaults"],
        json!({}),
    )];
    // (json name, tags, [(case suffix, value)])
    #[allow(
        clippy::type_complexity,
        reason = "a literal table, read row by row below"
    )]
    let table: Vec<(&str, &[&'static str], Vec<(&str, Json)>)> = vec![
        (
            "fDouble",
            &["float"],
            vec![
                ("one", json!(1.0)),
                ("max", json!(f64::MAX)),
                ("min", json!(f64::MIN)),
                ("negative", json!(-2.5)),
                ("smallest-subnormal", json!(5e-324)),
            ],
        ),
        (
            "fFloat",
            &["float"],
            vec![
                ("one", json!(1.0)),
                ("max", json!(f32::MAX)),
                ("min", json!(f32::MIN)),
                ("negative", json!(-2.5)),
            ],
        ),
        (
            "fInt32",
            &["varint"],
            vec![
                ("one", json!(1)),
                ("max", json!(i32::MAX)),
                ("min", json!(i32::MIN)),
                ("negative", json!(-1)),
            ],
        ),
        (
            "fInt64",
            &["varint", "int64-json-string"],
            vec![
                ("one", json!("1")),
                ("max", json!(i64::MAX.to_string())),
                ("min", json!(i64::MIN.to_string())),
                ("negative", json!("-1")),
            ],
        ),
        (
            "fUint32",
            &["varint"],
            vec![("one", json!(1)), ("max", json!(u32::MAX))],
        ),
        (
            "fUint64",
            &["varint", "int64-json-string"],
            vec![("one", json!("1")), ("max", json!(u64::MAX.to_string()))],
        ),
        (
            "fSint32",
            &["zigzag"],
            vec![
                ("one", json!(1)),
                ("max", json!(i32::MAX)),
                ("min", json!(i32::MIN)),
                ("negative", json!(-1)),
            ],
        ),
        (
            "fSint64",
            &["zigzag", "int64-json-string"],
            vec![
                ("one", json!("1")),
                ("max", json!(i64::MAX.to_string())),
                ("min", json!(i64::MIN.to_string())),
                ("negative", json!("-1")),
            ],
        ),
        (
            "fFixed32",
            &["fixed"],
            vec![("one", json!(1)), ("max", json!(u32::MAX))],
        ),
        (
            "fFixed64",
            &["fixed", "int64-json-string"],
            vec![("one", json!("1")), ("max", json!(u64::MAX.to_string()))],
        ),
        (
            "fSfixed32",
            &["fixed"],
            vec![
                ("one", json!(1)),
                ("max", json!(i32::MAX)),
                ("min", json!(i32::MIN)),
                ("negative", json!(-1)),
            ],
        ),
        (
            "fSfixed64",
            &["fixed", "int64-json-string"],
            vec![
                ("one", json!("1")),
                ("max", json!(i64::MAX.to_string())),
                ("min", json!(i64::MIN.to_string())),
                ("negative", json!("-1")),
            ],
        ),
        ("fBool", &["varint"], vec![("true", json!(true))]),
        (
            "fString",
            &["string", "utf8"],
            vec![
                ("ascii", json!("a")),
                ("two-byte-utf8", json!("héllo wörld")),
                ("three-byte-utf8", json!("日本語")),
                ("four-byte-utf8", json!("🦀 crab")),
                ("nul", json!("a\u{0}b")),
            ],
        ),
        (
            "fBytes",
            &["bytes"],
            vec![
                ("non-empty", json!("AAEC/w==")),
                ("high-bytes", json!("gIGC/v8=")),
            ],
        ),
        (
            "fEnum",
            &["enum"],
            vec![
                ("one", json!("CONFORMANCE_ENUM_ONE")),
                ("two", json!("CONFORMANCE_ENUM_TWO")),
                ("negative", json!("CONFORMANCE_ENUM_NEGATIVE")),
                ("unknown-value", json!(7)),
            ],
        ),
        (
            "fNested",
            &["nested"],
            vec![
                ("empty", json!({})),
                ("full", json!({"a": -5, "b": "ünïcode"})),
            ],
        ),
    ];
    for (field, tags, cases) in table {
        let snake = snake(field);
        for (suffix, value) in cases {
            let mut spec = vec![ENC_ORDER];
            if tags.contains(&"varint") || tags.contains(&"zigzag") {
                spec.push(ENC_VARINT);
            }
            if tags.contains(&"float") {
                spec.push(ENC_FLOAT);
            }
            if field == "fNested" {
                spec.push(ENC_DEFAULTS);
            }
            let description = match (field, suffix) {
                ("fEnum", "unknown-value") => "An enum number the schema does not declare: kept as a number, written as one.".to_owned(),
                ("fEnum", "negative") => "A negative enum value: a 10-byte varint, like a negative int32.".to_owned(),
                ("fNested", "empty") => "A message field set to an empty message is written (explicit presence): tag, length 0.".to_owned(),
                _ => format!("{snake} = {suffix}."),
            };
            d.push(enc(
                F,
                &format!("{}-{suffix}", snake.replace('_', "-")),
                &description,
                &spec,
                tags,
                json!({ field: value }),
            ));
        }
    }
    // Zero of each implicit-presence scalar: written explicitly by some encoders, decoded as the
    // default, never written by a canonical encoder.
    let zeros: Vec<(&str, u32, Vec<u8>)> = vec![
        ("double", 1, fixed64(1, [0; 8])),
        ("float", 2, fixed32(2, [0; 4])),
        ("int32", 3, varint(3, 0)),
        ("int64", 4, varint(4, 0)),
        ("uint32", 5, varint(5, 0)),
        ("uint64", 6, varint(6, 0)),
        ("sint32", 7, varint(7, 0)),
        ("sint64", 8, varint(8, 0)),
        ("fixed32", 9, fixed32(9, [0; 4])),
        ("fixed64", 10, fixed64(10, [0; 8])),
        ("sfixed32", 11, fixed32(11, [0; 4])),
        ("sfixed64", 12, fixed64(12, [0; 8])),
        ("bool", 13, varint(13, 0)),
        ("string", 14, len(14, &[])),
        ("bytes", 15, len(15, &[])),
        ("enum", 16, varint(16, 0)),
    ];
    for (ty, field, bytes) in zeros {
        d.push(dec(
            F,
            &format!("f-{ty}-zero-explicit"),
            &format!("f_{ty} (field {field}) = 0 written explicitly decodes as the default; a canonical encoder writes nothing."),
            &[ENC_DEFAULTS, ENC_NONCANONICAL],
            &["defaults", "noncanonical"],
            bytes,
            json!({}),
        ));
    }
    d
}

fn snake(json_name: &str) -> String {
    let mut s = String::new();
    for c in json_name.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn repeated() -> Vec<Def> {
    const F: &str = "encoding/repeated.yaml";
    let p = &[ENC_PACKED][..];
    vec![
        enc(
            F,
            "r-int32-packed",
            "Packed int32, including a negative (10-byte) element and 0.",
            p,
            &["packed", "varint"],
            json!({"rInt32Packed": [1, 0, -1, 150, 2147483647]}),
        ),
        enc(
            F,
            "r-int32-packed-single-zero",
            "A packed field holding one 0: the element is written.",
            p,
            &["packed", "defaults"],
            json!({"rInt32Packed": [0]}),
        ),
        enc(
            F,
            "r-int32-unpacked",
            "[packed = false]: one record per element.",
            p,
            &["unpacked", "varint"],
            json!({"rInt32Unpacked": [1, 150, -1, 0]}),
        ),
        enc(
            F,
            "r-sint64-packed",
            "Packed sint64 at its edges.",
            p,
            &["packed", "zigzag"],
            json!({"rSint64Packed": ["-9223372036854775808", "9223372036854775807", "0"]}),
        ),
        enc(
            F,
            "r-double-packed",
            "Packed double: 8 bytes each.",
            &[ENC_PACKED, ENC_FLOAT],
            &["packed", "float"],
            json!({"rDoublePacked": [1.5, -2.0, 0.0]}),
        ),
        enc(
            F,
            "r-string",
            "Repeated strings are never packed; empty elements are written.",
            p,
            &["string", "utf8"],
            json!({"rString": ["a", "", "é", "日本"]}),
        ),
        enc(
            F,
            "r-bytes",
            "Repeated bytes, an empty element included.",
            p,
            &["bytes"],
            json!({"rBytes": ["", "AQ==", "//8="]}),
        ),
        enc(
            F,
            "r-nested",
            "Repeated messages, an empty one included.",
            p,
            &["nested"],
            json!({"rNested": [{"a": 1}, {}, {"b": "x"}]}),
        ),
        enc(
            F,
            "r-enum-packed",
            "Packed enums, a negative and an unknown value included.",
            p,
            &["packed", "enum"],
            json!({"rEnum": ["CONFORMANCE_ENUM_ONE", "CONFORMANCE_ENUM_ZERO", "CONFORMANCE_ENUM_NEGATIVE", 5]}),
        ),
        enc(
            F,
            "repeated-all",
            "Every repeated field at once, in field-number order.",
            &[ENC_PACKED, ENC_ORDER],
            &["packed", "unpacked"],
            json!({
                "rInt32Packed": [7], "rInt32Unpacked": [8], "rSint64Packed": ["-9"], "rDoublePacked": [0.5],
                "rString": ["s"], "rBytes": ["Yg=="], "rNested": [{"a": 2}], "rEnum": ["CONFORMANCE_ENUM_TWO"]
            }),
        ),
        dec(
            F,
            "r-int32-packed-sent-unpacked",
            "A packed field sent as separate records decodes the same.",
            &[ENC_NONCANONICAL, ENC_PACKED],
            &["noncanonical", "unpacked"],
            cat(&[varint(20, 1), varint(20, 150), varint(20, 3)]),
            json!({"rInt32Packed": [1, 150, 3]}),
        ),
        dec(
            F,
            "r-int32-unpacked-sent-packed",
            "An unpacked field sent packed decodes the same.",
            &[ENC_NONCANONICAL, ENC_PACKED],
            &["noncanonical", "packed"],
            len(21, &cat(&[raw_varint(1), raw_varint(150), raw_varint(3)])),
            json!({"rInt32Unpacked": [1, 150, 3]}),
        ),
        dec(
            F,
            "r-int32-packed-split",
            "Two packed records of one field concatenate.",
            &[ENC_NONCANONICAL, ENC_PACKED],
            &["noncanonical", "packed"],
            cat(&[len(20, &[1, 2]), len(20, &[3])]),
            json!({"rInt32Packed": [1, 2, 3]}),
        ),
        dec(
            F,
            "r-int32-packed-and-unpacked-mixed",
            "Packed and unpacked records of one field, interleaved, concatenate in order.",
            &[ENC_NONCANONICAL, ENC_PACKED],
            &["noncanonical", "packed"],
            cat(&[len(20, &[1, 2]), varint(20, 3), len(20, &[4])]),
            json!({"rInt32Packed": [1, 2, 3, 4]}),
        ),
        dec(
            F,
            "r-enum-unpacked",
            "Enums sent as separate records decode the same.",
            &[ENC_NONCANONICAL, ENC_PACKED],
            &["noncanonical", "enum"],
            cat(&[varint(27, 2), varint(27, 1)]),
            json!({"rEnum": ["CONFORMANCE_ENUM_TWO", "CONFORMANCE_ENUM_ONE"]}),
        ),
        dec(
            F,
            "r-packed-empty-record",
            "A packed record of length 0 adds no elements.",
            &[ENC_NONCANONICAL, ENC_PACKED],
            &["noncanonical", "packed"],
            len(20, &[]),
            json!({}),
        ),
    ]
}

fn maps() -> Vec<Def> {
    const F: &str = "encoding/maps.yaml";
    let m = &[ENC_MAPS][..];
    let entry = |k: Vec<u8>, v: Vec<u8>| cat(&[k, v]);
    vec![
        enc(
            F,
            "map-string-int32-order",
            "String keys in UTF-8 byte order: upper case before lower case before non-ASCII.",
            m,
            &["map", "order"],
            json!({"mStringInt32": {"é": 3, "b": 2, "Z": 26, "a": 1}}),
        ),
        enc(
            F,
            "map-int32-string-signed-order",
            "int32 keys in signed numeric order (-1 first, 2 before 10).",
            m,
            &["map", "order"],
            json!({"mInt32String": {"10": "ten", "2": "two", "-1": "minus one"}}),
        ),
        enc(
            F,
            "map-string-nested",
            "Message values.",
            m,
            &["map", "nested"],
            json!({"mStringNested": {"y": {"b": "q"}, "x": {"a": 1}}}),
        ),
        enc(
            F,
            "map-uint64-bytes",
            "uint64 keys at the top of their range, bytes values.",
            m,
            &["map", "bytes"],
            json!({"mUint64Bytes": {"18446744073709551615": "/w==", "1": "AQ=="}}),
        ),
        enc(
            F,
            "map-bool-enum",
            "A bool key (true; false is the default key, left out of encode vectors).",
            m,
            &["map", "enum"],
            json!({"mBoolEnum": {"true": "CONFORMANCE_ENUM_TWO"}}),
        ),
        dec(
            F,
            "map-entry-default-key-written",
            "An entry whose default key is written (as some encoders do) decodes like one without it.",
            &[ENC_MAPS, ENC_NONCANONICAL],
            &["map", "defaults"],
            len(30, &entry(len(1, &[]), varint(2, 5))),
            json!({"mStringInt32": {"": 5}}),
        ),
        dec(
            F,
            "map-entry-default-key-omitted",
            "The same entry with the default key left out.",
            &[ENC_MAPS],
            &["map", "defaults"],
            len(30, &varint(2, 5)),
            json!({"mStringInt32": {"": 5}}),
        ),
        dec(
            F,
            "map-entry-default-value-written",
            "An entry whose default value is written.",
            &[ENC_MAPS, ENC_NONCANONICAL],
            &["map", "defaults"],
            len(30, &entry(len(1, b"k"), varint(2, 0))),
            json!({"mStringInt32": {"k": 0}}),
        ),
        dec(
            F,
            "map-entry-default-value-omitted",
            "The same entry with the default value left out.",
            &[ENC_MAPS],
            &["map", "defaults"],
            len(30, &len(1, b"k")),
            json!({"mStringInt32": {"k": 0}}),
        ),
        dec(
            F,
            "map-entry-empty",
            "An empty entry: default key, default value.",
            &[ENC_MAPS],
            &["map", "defaults"],
            len(31, &[]),
            json!({"mInt32String": {"0": ""}}),
        ),
        dec(
            F,
            "map-bool-false-key-both-forms",
            "bool key false written, then true; map decoded in either order.",
            &[ENC_MAPS, ENC_NONCANONICAL],
            &["map", "defaults", "order"],
            cat(&[
                len(34, &entry(varint(1, 1), varint(2, 1))),
                len(34, &entry(varint(1, 0), varint(2, 2))),
            ]),
            json!({"mBoolEnum": {"false": "CONFORMANCE_ENUM_TWO", "true": "CONFORMANCE_ENUM_ONE"}}),
        ),
        dec(
            F,
            "map-entries-unsorted",
            "Entries out of key order decode the same.",
            &[ENC_MAPS, ENC_NONCANONICAL],
            &["map", "order", "noncanonical"],
            cat(&[
                len(31, &entry(varint(1, 10), len(2, b"ten"))),
                len(31, &entry(varint(1, u64::MAX), len(2, b"m"))),
            ]),
            json!({"mInt32String": {"-1": "m", "10": "ten"}}),
        ),
        dec(
            F,
            "map-duplicate-key-last-wins",
            "A key that appears twice: the last entry wins.",
            &[ENC_MAPS, ENC_NONCANONICAL],
            &["map", "duplicate"],
            cat(&[
                len(30, &entry(len(1, b"a"), varint(2, 1))),
                len(30, &entry(len(1, b"a"), varint(2, 2))),
            ]),
            json!({"mStringInt32": {"a": 2}}),
        ),
        dec(
            F,
            "map-entry-value-before-key",
            "An entry with its value record before its key record.",
            &[ENC_MAPS, ENC_NONCANONICAL],
            &["map", "order", "noncanonical"],
            len(30, &entry(varint(2, 9), len(1, b"z"))),
            json!({"mStringInt32": {"z": 9}}),
        ),
    ]
}

fn presence() -> Vec<Def> {
    const F: &str = "encoding/presence.yaml";
    let p = &[ENC_DEFAULTS][..];
    vec![
        enc(
            F,
            "oneof-uint32-zero",
            "A oneof arm set to its default is written.",
            p,
            &["oneof", "defaults"],
            json!({"oUint32": 0}),
        ),
        enc(
            F,
            "oneof-uint32",
            "oneof arm o_uint32.",
            p,
            &["oneof"],
            json!({"oUint32": 7}),
        ),
        enc(
            F,
            "oneof-string-empty",
            "oneof arm o_string set to \"\" is written.",
            p,
            &["oneof", "defaults"],
            json!({"oString": ""}),
        ),
        enc(
            F,
            "oneof-string",
            "oneof arm o_string.",
            p,
            &["oneof", "utf8"],
            json!({"oString": "ö"}),
        ),
        enc(
            F,
            "oneof-nested-empty",
            "oneof arm o_nested set to an empty message is written.",
            p,
            &["oneof", "nested", "defaults"],
            json!({"oNested": {}}),
        ),
        enc(
            F,
            "oneof-nested",
            "oneof arm o_nested.",
            p,
            &["oneof", "nested"],
            json!({"oNested": {"a": 1, "b": "c"}}),
        ),
        enc(
            F,
            "oneof-bytes-empty",
            "oneof arm o_bytes set to empty bytes is written.",
            p,
            &["oneof", "defaults"],
            json!({"oBytes": ""}),
        ),
        enc(
            F,
            "oneof-bytes",
            "oneof arm o_bytes.",
            p,
            &["oneof", "bytes"],
            json!({"oBytes": "3q2+7w=="}),
        ),
        enc(
            F,
            "optional-int32-zero",
            "optional int32 set to 0 is written (tag 90 03, value 00).",
            p,
            &["optional", "defaults"],
            json!({"pInt32": 0}),
        ),
        enc(
            F,
            "optional-string-empty",
            "optional string set to \"\" is written.",
            p,
            &["optional", "defaults"],
            json!({"pString": ""}),
        ),
        enc(
            F,
            "optional-enum-zero",
            "optional enum set to its zero value is written.",
            p,
            &["optional", "defaults", "enum"],
            json!({"pEnum": "CONFORMANCE_ENUM_ZERO"}),
        ),
        enc(
            F,
            "optional-bool-false",
            "optional bool set to false is written.",
            p,
            &["optional", "defaults"],
            json!({"pBool": false}),
        ),
        enc(
            F,
            "optional-all-set",
            "Every optional field set to a non-default value.",
            p,
            &["optional"],
            json!({"pInt32": -3, "pString": "s", "pEnum": "CONFORMANCE_ENUM_NEGATIVE", "pBool": true}),
        ),
        dec(
            F,
            "oneof-two-arms-last-wins",
            "Two arms of one oneof on the wire: the last one wins.",
            &[ENC_DEFAULTS, ENC_NONCANONICAL],
            &["oneof", "duplicate"],
            cat(&[varint(40, 5), len(41, b"last")]),
            json!({"oString": "last"}),
        ),
        dec(
            F,
            "oneof-nested-arm-merged",
            "The message arm twice: the two are merged.",
            &[ENC_NONCANONICAL],
            &["oneof", "duplicate", "nested"],
            cat(&[len(42, &varint(1, 1)), len(42, &len(2, b"x"))]),
            json!({"oNested": {"a": 1, "b": "x"}}),
        ),
    ]
}

fn noncanonical() -> Vec<Def> {
    const F: &str = "encoding/noncanonical.yaml";
    let n = &[ENC_NONCANONICAL][..];
    vec![
        dec(
            F,
            "fields-out-of-order",
            "Fields in descending number order decode the same.",
            n,
            &["order", "noncanonical"],
            cat(&[len(14, b"s"), varint(3, 1)]),
            json!({"fInt32": 1, "fString": "s"}),
        ),
        dec(
            F,
            "scalar-repeated-last-wins",
            "A non-repeated scalar field twice: the last value wins.",
            n,
            &["duplicate"],
            cat(&[varint(3, 1), varint(3, 2)]),
            json!({"fInt32": 2}),
        ),
        dec(
            F,
            "string-repeated-last-wins",
            "A non-repeated string twice: the last value wins.",
            n,
            &["duplicate", "string"],
            cat(&[len(14, b"first"), len(14, b"second")]),
            json!({"fString": "second"}),
        ),
        dec(
            F,
            "message-repeated-merged",
            "A non-repeated message field twice: the two are merged.",
            n,
            &["duplicate", "nested"],
            cat(&[
                len(17, &cat(&[varint(1, 1), len(2, b"x")])),
                len(17, &varint(1, 2)),
            ]),
            json!({"fNested": {"a": 2, "b": "x"}}),
        ),
        dec(
            F,
            "varint-non-minimal",
            "A varint with redundant continuation bytes (96 81 80 00 for 150) decodes to its value.",
            &[ENC_NONCANONICAL, ENC_VARINT],
            &["varint", "overlong-varint"],
            vec![0x18, 0x96, 0x81, 0x80, 0x00],
            json!({"fInt32": 150}),
        ),
        dec(
            F,
            "int32-negative-5-byte",
            "A negative int32 sent as a 5-byte varint (not sign-extended) decodes to the same value.",
            &[ENC_NONCANONICAL, ENC_VARINT],
            &["varint"],
            vec![0x18, 0xff, 0xff, 0xff, 0xff, 0x0f],
            json!({"fInt32": -1}),
        ),
        dec(
            F,
            "unknown-varint-field",
            "An unknown VARINT field is skipped.",
            &[ENC_UNKNOWN],
            &["unknown-field"],
            cat(&[varint(3, 1), varint(99, 5)]),
            json!({"fInt32": 1}),
        ),
        dec(
            F,
            "unknown-fields-every-wire-type",
            "Unknown fields of every wire type, before and after known ones, are skipped.",
            &[ENC_UNKNOWN],
            &["unknown-field"],
            cat(&[
                fixed64(1000, [1; 8]),
                varint(3, 1),
                len(536870911, b"max field number"),
                fixed32(98, [2; 4]),
                varint(99, u64::MAX),
            ]),
            json!({"fInt32": 1}),
        ),
        dec(
            F,
            "nested-unknown-field",
            "An unknown field inside a nested message is skipped.",
            &[ENC_UNKNOWN],
            &["unknown-field", "nested"],
            len(17, &cat(&[varint(1, 4), varint(15, 1)])),
            json!({"fNested": {"a": 4}}),
        ),
    ]
}

//! The malformed-input catalogue: bytes a receiver must survive, each with its one outcome.
//!
//! Every byte string is spelled out here record by record; none comes from an encoder.

use eventwire_schema::pb::ErrorCode;
use serde_json::{Value as Json, json};

use super::spec::*;
use super::w::*;
use super::{Body, Def, ExpectDef, def};
use crate::vectors::format::{Config, Input};

/// An FFIRequest, by hand: field 1 (event) then field 2 (payload), each left out when empty.
fn req(event: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if !event.is_empty() {
        out.extend(len(1, event));
    }
    if !payload.is_empty() {
        out.extend(len(2, payload));
    }
    out
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call per vector reads as a row of the catalogue"
)]
fn r(
    file: &'static str,
    name: &str,
    description: &str,
    spec: &[&'static str],
    tags: &[&'static str],
    config: Option<Config>,
    bytes: Vec<u8>,
    expect: ExpectDef,
) -> Def {
    def(
        file,
        name,
        description,
        spec,
        tags,
        Body::Reject {
            config,
            input: Input::Request,
            bytes,
            expect,
        },
    )
}

fn err(code: impl Into<i32>) -> ExpectDef {
    ExpectDef::Err {
        code: code.into(),
        payload: None,
    }
}

fn ok(output: Option<Json>) -> ExpectDef {
    ExpectDef::Ok {
        output,
        notifications: Vec::new(),
    }
}

fn pong() -> ExpectDef {
    ok(Some(json!({"message": "pong"})))
}

fn limit(max_payload_bytes: u64) -> Option<Config> {
    Some(Config {
        max_payload_bytes: Some(max_payload_bytes),
        ..Config::default()
    })
}

fn nesting(max_nesting_depth: u32) -> Option<Config> {
    Some(Config {
        max_nesting_depth: Some(max_nesting_depth),
        ..Config::default()
    })
}

fn not_ready() -> Option<Config> {
    Some(Config {
        ready: Some(false),
        ..Config::default()
    })
}

fn only(patterns: &[&str]) -> Option<Config> {
    Some(Config {
        capabilities: Some(patterns.iter().map(|s| s.to_string()).collect()),
        ..Config::default()
    })
}

/// RecursivePB with `levels` levels, by hand, innermost first.
fn recursive_bytes(levels: u32) -> Vec<u8> {
    let mut inner = varint(1, u64::from(levels));
    for depth in (1..levels).rev() {
        inner = cat(&[varint(1, u64::from(depth)), len(2, &inner)]);
    }
    inner
}

pub fn defs() -> Vec<Def> {
    let mut d = envelope();
    d.extend(routing());
    d.extend(payload());
    d.extend(receiver());
    d
}

fn envelope() -> Vec<Def> {
    const F: &str = "reject/envelope.yaml";
    let inv = || err(ErrorCode::InvalidRequest);
    let s = &[ROUTE_ENVELOPE, ENC_REJECT][..];
    let overlong = vec![
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
    ];
    vec![
        r(
            F,
            "envelope-empty-bytes",
            "Zero bytes decode as an FFIRequest with an empty event: INVALID_REQUEST.",
            &[ROUTE_EMPTY],
            &["empty-event"],
            None,
            vec![],
            inv(),
        ),
        r(
            F,
            "envelope-empty-event-explicit",
            "The event written explicitly as \"\": INVALID_REQUEST.",
            &[ROUTE_EMPTY],
            &["empty-event"],
            None,
            len(1, &[]),
            inv(),
        ),
        r(
            F,
            "envelope-empty-event-with-payload",
            "A payload without an event: INVALID_REQUEST.",
            &[ROUTE_EMPTY],
            &["empty-event"],
            None,
            len(2, &varint(1, 1)),
            inv(),
        ),
        r(
            F,
            "envelope-truncated-tag",
            "The first tag varint is cut off (8a): INVALID_REQUEST.",
            s,
            &["truncated", "varint"],
            None,
            vec![0x8a],
            inv(),
        ),
        r(
            F,
            "envelope-truncated-length",
            "The length varint of field 1 is cut off (0a 84): INVALID_REQUEST.",
            s,
            &["truncated", "varint"],
            None,
            vec![0x0a, 0x84],
            inv(),
        ),
        r(
            F,
            "envelope-truncated-event",
            "Field 1 declares 5 bytes, 4 follow: INVALID_REQUEST.",
            s,
            &["truncated", "length-past-end"],
            None,
            vec![0x0a, 0x05, b'P', b'i', b'n', b'g'],
            inv(),
        ),
        r(
            F,
            "envelope-truncated-payload",
            "Field 2 declares 3 bytes, 1 follows: INVALID_REQUEST.",
            s,
            &["truncated", "length-past-end"],
            None,
            cat(&[len(1, b"Ping"), vec![0x12, 0x03, 0x08]]),
            inv(),
        ),
        r(
            F,
            "envelope-length-huge",
            "A length of 2^63 bytes: INVALID_REQUEST, nothing allocated.",
            s,
            &["length-past-end"],
            None,
            cat(&[vec![0x0a], raw_varint(1 << 63), b"Ping".to_vec()]),
            inv(),
        ),
        r(
            F,
            "envelope-overlong-tag-varint",
            "An 11-byte tag varint: INVALID_REQUEST.",
            s,
            &["overlong-varint", "varint"],
            None,
            overlong.clone(),
            inv(),
        ),
        r(
            F,
            "envelope-overlong-length-varint",
            "An 11-byte length varint: INVALID_REQUEST.",
            s,
            &["overlong-varint", "varint"],
            None,
            cat(&[vec![0x0a], overlong]),
            inv(),
        ),
        r(
            F,
            "envelope-varint-overflow",
            "A 10-byte varint whose last byte is above 1 (more than 64 bits), in an unknown field: INVALID_REQUEST.",
            &[ROUTE_ENVELOPE, ENC_VARINT_OVERFLOW],
            &["overlong-varint", "varint", "unknown-field"],
            None,
            cat(&[
                len(1, b"Ping"),
                vec![
                    0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                ],
            ]),
            inv(),
        ),
        r(
            F,
            "envelope-event-wrong-wire-type",
            "Field 1 (string) sent as VARINT: INVALID_REQUEST.",
            s,
            &["wire-type"],
            None,
            varint(1, 1),
            inv(),
        ),
        r(
            F,
            "envelope-payload-wrong-wire-type",
            "Field 2 (bytes) sent as I32: INVALID_REQUEST.",
            s,
            &["wire-type"],
            None,
            cat(&[len(1, b"Ping"), fixed32(2, [0; 4])]),
            inv(),
        ),
        r(
            F,
            "envelope-group-wire-type",
            "Field 1 with the deprecated START_GROUP wire type: INVALID_REQUEST.",
            s,
            &["wire-type"],
            None,
            vec![0x0b, 0x0c],
            inv(),
        ),
        r(
            F,
            "envelope-invalid-wire-type",
            "Wire type 7 does not exist: INVALID_REQUEST.",
            s,
            &["wire-type"],
            None,
            cat(&[len(1, b"Ping"), vec![0x1f]]),
            inv(),
        ),
        r(
            F,
            "envelope-field-number-zero",
            "Field number 0 is invalid: INVALID_REQUEST.",
            s,
            &["wire-type"],
            None,
            vec![0x00, 0x00],
            inv(),
        ),
        r(
            F,
            "envelope-event-invalid-utf8",
            "The event is c3 28 (a broken two-byte sequence): INVALID_REQUEST.",
            s,
            &["utf8"],
            None,
            len(1, &[0xc3, 0x28]),
            inv(),
        ),
        r(
            F,
            "envelope-event-surrogate",
            "The event is a UTF-16 surrogate encoded in UTF-8 (ed a0 80): INVALID_REQUEST.",
            s,
            &["utf8"],
            None,
            len(1, &[b'P', 0xed, 0xa0, 0x80]),
            inv(),
        ),
        r(
            F,
            "envelope-event-overlong-utf8",
            "The event holds an over-long UTF-8 encoding of '/' (c0 af): INVALID_REQUEST.",
            s,
            &["utf8"],
            None,
            len(1, &[0xc0, 0xaf]),
            inv(),
        ),
        r(
            F,
            "envelope-event-truncated-utf8",
            "The event ends inside a three-byte UTF-8 sequence: INVALID_REQUEST.",
            s,
            &["utf8", "truncated"],
            None,
            len(1, &[b'P', 0xe6, 0x97]),
            inv(),
        ),
        r(
            F,
            "envelope-unknown-field",
            "An unknown field in the envelope is skipped: Ping answers.",
            &[ENC_UNKNOWN, VAL_TOLERANT],
            &["unknown-field", "tolerated"],
            None,
            cat(&[len(1, b"Ping"), varint(3, 1), len(15, b"x")]),
            pong(),
        ),
        r(
            F,
            "envelope-event-twice",
            "Field 1 twice: the last wins (\"Nope\" then \"Ping\" routes to Ping).",
            &[ENC_NONCANONICAL, VAL_TOLERANT],
            &["duplicate", "tolerated"],
            None,
            cat(&[len(1, b"Nope"), len(1, b"Ping")]),
            pong(),
        ),
        r(
            F,
            "envelope-fields-reversed",
            "Payload before event: still a valid request.",
            &[ENC_NONCANONICAL, VAL_TOLERANT],
            &["order", "tolerated"],
            None,
            cat(&[len(2, &varint(1, 1)), len(1, b"Discard")]),
            ok(None),
        ),
        r(
            F,
            "envelope-non-minimal-length",
            "A valid but non-minimal length varint (84 80 00 for 4): accepted.",
            &[ENC_NONCANONICAL, VAL_TOLERANT],
            &["overlong-varint", "tolerated"],
            None,
            cat(&[vec![0x0a, 0x84, 0x80, 0x00], b"Ping".to_vec()]),
            pong(),
        ),
    ]
}

fn routing() -> Vec<Def> {
    const F: &str = "reject/routing.yaml";
    let unknown = || err(ErrorCode::UnknownEvent);
    let u = &[ROUTE_UNKNOWN, ROUTE_EXACT][..];
    vec![
        r(
            F,
            "route-unknown-event",
            "No event is named \"Nope\": UNKNOWN_EVENT.",
            u,
            &["unknown-event"],
            None,
            req(b"Nope", &[]),
            unknown(),
        ),
        r(
            F,
            "route-case-sensitive",
            "\"ping\" is not \"Ping\": UNKNOWN_EVENT.",
            u,
            &["unknown-event", "case"],
            None,
            req(b"ping", &[]),
            unknown(),
        ),
        r(
            F,
            "route-trailing-space",
            "\"Ping \" is not \"Ping\" (no trimming): UNKNOWN_EVENT.",
            u,
            &["unknown-event"],
            None,
            req(b"Ping ", &[]),
            unknown(),
        ),
        r(
            F,
            "route-module-qualified",
            "\"conformance.Ping\" is not a name (one flat name space): UNKNOWN_EVENT.",
            u,
            &["unknown-event"],
            None,
            req(b"conformance.Ping", &[]),
            unknown(),
        ),
        r(
            F,
            "route-embedded-nul",
            "\"Ping\\0\" is not \"Ping\" (no C-string truncation): UNKNOWN_EVENT.",
            u,
            &["unknown-event", "nul"],
            None,
            req(b"Ping\0", &[]),
            unknown(),
        ),
        r(
            F,
            "route-event-id-as-name",
            "The event id \"905\" is not a name: UNKNOWN_EVENT.",
            u,
            &["unknown-event"],
            None,
            req(b"905", &[]),
            unknown(),
        ),
        r(
            F,
            "route-unknown-event-oversized-payload",
            "Routing comes before the size limit: UNKNOWN_EVENT, not PAYLOAD_TOO_LARGE.",
            &[ROUTE_UNKNOWN, ROUTE_ORDER],
            &["unknown-event", "order"],
            limit(4),
            req(b"Nope", &[0xff; 5]),
            unknown(),
        ),
        r(
            F,
            "route-permission-denied",
            "Capabilities [\"user.*\"] do not include Ping: PERMISSION_DENIED.",
            &[ROUTE_PERMISSION, ROUTE_CAPABILITIES],
            &["permission"],
            only(&["user.*"]),
            req(b"Ping", &[]),
            err(ErrorCode::PermissionDenied),
        ),
        r(
            F,
            "route-permission-granted-by-name",
            "Capabilities [\"conformance.Ping\"] include Ping.",
            &[ROUTE_PERMISSION, ROUTE_CAPABILITIES],
            &["permission"],
            only(&["conformance.Ping"]),
            req(b"Ping", &[]),
            pong(),
        ),
        r(
            F,
            "route-permission-before-size",
            "The capability check comes before the size limit: PERMISSION_DENIED.",
            &[ROUTE_PERMISSION, ROUTE_ORDER],
            &["permission", "order"],
            Some(Config {
                capabilities: Some(vec!["user.*".into()]),
                max_payload_bytes: Some(4),
                ..Config::default()
            }),
            req(b"Discard", &[0xff; 5]),
            err(ErrorCode::PermissionDenied),
        ),
        r(
            F,
            "route-unknown-before-permission",
            "An unknown event with an empty capability set: UNKNOWN_EVENT.",
            &[ROUTE_UNKNOWN, ROUTE_ORDER],
            &["unknown-event", "permission", "order"],
            only(&[]),
            req(b"Nope", &[]),
            unknown(),
        ),
        r(
            F,
            "route-permission-empty-set",
            "An explicitly configured empty capability set denies every event: PERMISSION_DENIED.",
            &[ROUTE_PERMISSION, ROUTE_CAPABILITIES],
            &["permission", "deny-by-default"],
            only(&[]),
            req(b"Ping", &[]),
            err(ErrorCode::PermissionDenied),
        ),
        r(
            F,
            "route-permission-pattern-matching-nothing",
            "Capabilities [\"none.*\"]: well formed, names no module, grants nothing: PERMISSION_DENIED.",
            &[ROUTE_PERMISSION, ROUTE_CAPABILITIES],
            &["permission"],
            only(&["none.*"]),
            req(b"Ping", &[]),
            err(ErrorCode::PermissionDenied),
        ),
        r(
            F,
            "route-permission-denied-runs-nothing",
            "A denied EmitNotifications{count: 3} never reaches its handler: PERMISSION_DENIED and no notification.",
            &[ROUTE_PERMISSION, ROUTE_CAPABILITIES],
            &["permission"],
            only(&["user.*"]),
            req(b"EmitNotifications", &cat(&[varint(1, 3), len(2, b"x")])),
            err(ErrorCode::PermissionDenied),
        ),
        r(
            F,
            "route-not-ready",
            "Before initialisation finishes: BACKEND_NOT_READY, never silence.",
            &[ROUTE_NOT_READY],
            &["not-ready"],
            not_ready(),
            req(b"Ping", &[]),
            err(ErrorCode::BackendNotReady),
        ),
        r(
            F,
            "route-not-ready-before-unknown",
            "Readiness is checked before routing: BACKEND_NOT_READY for an unknown event.",
            &[ROUTE_NOT_READY, ROUTE_ORDER],
            &["not-ready", "order"],
            not_ready(),
            req(b"Nope", &[]),
            err(ErrorCode::BackendNotReady),
        ),
        r(
            F,
            "route-empty-before-not-ready",
            "The empty event is checked before readiness: INVALID_REQUEST.",
            &[ROUTE_EMPTY, ROUTE_ORDER],
            &["not-ready", "empty-event", "order"],
            not_ready(),
            vec![],
            err(ErrorCode::InvalidRequest),
        ),
        r(
            F,
            "route-size-before-decode",
            "The size limit comes before decoding: PAYLOAD_TOO_LARGE for oversized garbage.",
            &[LIMIT_PAYLOAD, ROUTE_ORDER],
            &["limit", "order"],
            limit(4),
            req(b"Discard", &[0xff; 5]),
            err(ErrorCode::PayloadTooLarge),
        ),
        r(
            F,
            "route-nesting-before-decode",
            "The nesting check comes before decoding: 65 levels followed by garbage is NESTING_TOO_DEEP.",
            &[LIMIT_NESTING, ROUTE_ORDER],
            &["nesting", "order"],
            None,
            req(b"Nest", &cat(&[recursive_bytes(65), vec![0xff]])),
            err(ErrorCode::NestingTooDeep),
        ),
    ]
}

fn payload() -> Vec<Def> {
    const F: &str = "reject/payload.yaml";
    let serde = || err(ErrorCode::ProtobufSerde);
    let v = &[VAL_DECODE, ENC_REJECT][..];
    // Discard takes NestedPB{int32 a = 1; string b = 2}; Echo takes AllTypesPB.
    let b15 = len(2, b"fifteen chars!!");
    let b14 = len(2, b"fourteen chars");
    vec![
        r(
            F,
            "payload-too-large",
            "A 17-byte payload with max_payload_bytes 16: PAYLOAD_TOO_LARGE.",
            &[LIMIT_PAYLOAD, LIMIT_CONFIGURABLE],
            &["limit"],
            limit(16),
            req(b"Discard", &b15),
            err(ErrorCode::PayloadTooLarge),
        ),
        r(
            F,
            "payload-at-limit",
            "A 16-byte payload with max_payload_bytes 16: accepted.",
            &[LIMIT_PAYLOAD, LIMIT_CONFIGURABLE],
            &["limit"],
            limit(16),
            req(b"Discard", &b14),
            ok(None),
        ),
        r(
            F,
            "payload-nesting-65",
            "65 levels of RecursivePB for Nest (default limit 64): NESTING_TOO_DEEP.",
            &[LIMIT_NESTING],
            &["nesting", "limit"],
            None,
            req(b"Nest", &recursive_bytes(65)),
            err(ErrorCode::NestingTooDeep),
        ),
        r(
            F,
            "payload-nesting-64",
            "64 levels, the default limit: accepted.",
            &[LIMIT_NESTING],
            &["nesting", "limit"],
            None,
            req(b"Nest", &recursive_bytes(64)),
            ok(Some(json!({"depth": 64}))),
        ),
        r(
            F,
            "payload-nesting-configured",
            "4 levels with max_nesting_depth 3: NESTING_TOO_DEEP.",
            &[LIMIT_NESTING],
            &["nesting", "limit"],
            nesting(3),
            req(b"Nest", &recursive_bytes(4)),
            err(ErrorCode::NestingTooDeep),
        ),
        r(
            F,
            "payload-nesting-configured-at-limit",
            "3 levels with max_nesting_depth 3: accepted.",
            &[LIMIT_NESTING],
            &["nesting", "limit"],
            nesting(3),
            req(b"Nest", &recursive_bytes(3)),
            ok(Some(json!({"depth": 3}))),
        ),
        r(
            F,
            "payload-nesting-other-message",
            "AllTypesPB.f_nested is depth 2: with max_nesting_depth 1, Echo answers NESTING_TOO_DEEP.",
            &[LIMIT_NESTING],
            &["nesting", "limit"],
            nesting(1),
            req(b"Echo", &len(17, &[])),
            err(ErrorCode::NestingTooDeep),
        ),
        r(
            F,
            "payload-truncated-varint",
            "Discard payload 08 96 (varint cut off): PROTOBUF_SERDE.",
            v,
            &["truncated", "varint"],
            None,
            req(b"Discard", &[0x08, 0x96]),
            serde(),
        ),
        r(
            F,
            "payload-length-past-end",
            "A string field declaring 5 bytes with 1 present: PROTOBUF_SERDE.",
            v,
            &["truncated", "length-past-end"],
            None,
            req(b"Discard", &[0x12, 0x05, 0x61]),
            serde(),
        ),
        r(
            F,
            "payload-overlong-varint",
            "An 11-byte varint: PROTOBUF_SERDE.",
            v,
            &["overlong-varint", "varint"],
            None,
            req(
                b"Discard",
                &[
                    0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
                ],
            ),
            serde(),
        ),
        r(
            F,
            "payload-wrong-wire-type",
            "NestedPB.a (int32) sent as LEN: PROTOBUF_SERDE.",
            v,
            &["wire-type"],
            None,
            req(b"Discard", &len(1, &[0x00])),
            serde(),
        ),
        r(
            F,
            "payload-invalid-wire-type",
            "Wire type 6 does not exist: PROTOBUF_SERDE.",
            v,
            &["wire-type"],
            None,
            req(b"Discard", &[0x0e]),
            serde(),
        ),
        r(
            F,
            "payload-invalid-utf8",
            "NestedPB.b holds ff, not UTF-8: PROTOBUF_SERDE.",
            v,
            &["utf8"],
            None,
            req(b"Discard", &len(2, &[0xff])),
            serde(),
        ),
        r(
            F,
            "payload-nested-invalid-utf8",
            "Invalid UTF-8 two levels down (AllTypesPB.f_nested.b): PROTOBUF_SERDE.",
            v,
            &["utf8", "nested"],
            None,
            req(b"Echo", &len(17, &len(2, &[0xc3]))),
            serde(),
        ),
        r(
            F,
            "payload-map-entry-truncated",
            "A map entry whose value runs past the entry's end: PROTOBUF_SERDE.",
            v,
            &["map", "truncated"],
            None,
            req(b"Echo", &len(30, &[0x0a, 0x01, b'k', 0x10])),
            serde(),
        ),
        r(
            F,
            "payload-other-message-type",
            "SignIn given an encoded NestedPB{a: 150}: field 1 has the wrong wire type for SignInPayloadPB.email: PROTOBUF_SERDE.",
            v,
            &["wrong-type"],
            None,
            req(b"SignIn", &varint(1, 150)),
            serde(),
        ),
        r(
            F,
            "payload-other-message-type-compatible",
            "GetDocument given an encoded EditPayloadPB: field 1 matches, the rest are unknown and skipped, so it is accepted (field numbers, not types, are on the wire).",
            &[VAL_TOLERANT, ENC_UNKNOWN],
            &["wrong-type", "tolerated", "unknown-field"],
            None,
            req(
                b"GetDocument",
                &cat(&[len(1, b"notes"), varint(2, 1), len(4, b"x")]),
            ),
            ok(Some(json!({"documentId": "notes"}))),
        ),
        r(
            F,
            "payload-no-input-garbage",
            "Ping has no input; its payload must still be a valid encoding (ff is a cut-off tag): PROTOBUF_SERDE.",
            v,
            &["no-input", "truncated"],
            None,
            req(b"Ping", &[0xff]),
            serde(),
        ),
        r(
            F,
            "payload-no-input-ignored",
            "Ping with a valid payload: decoded as an empty message, ignored.",
            &[VAL_TOLERANT],
            &["no-input", "tolerated", "unknown-field"],
            None,
            req(b"Ping", &varint(1, 1)),
            pong(),
        ),
        r(
            F,
            "payload-unknown-fields",
            "Unknown fields in Echo's input are skipped and not echoed.",
            &[VAL_TOLERANT, ENC_UNKNOWN, MOD_ECHO],
            &["unknown-field", "tolerated"],
            None,
            req(
                b"Echo",
                &cat(&[varint(3, 1), varint(99, 5), len(1000, b"u")]),
            ),
            ok(Some(json!({"fInt32": 1}))),
        ),
        r(
            F,
            "payload-scalar-repeated-last-wins",
            "f_int32 twice: the last value wins.",
            &[VAL_TOLERANT, ENC_NONCANONICAL],
            &["duplicate", "tolerated"],
            None,
            req(b"Echo", &cat(&[varint(3, 1), varint(3, 2)])),
            ok(Some(json!({"fInt32": 2}))),
        ),
        r(
            F,
            "payload-message-repeated-merged",
            "f_nested twice: the two are merged.",
            &[VAL_TOLERANT, ENC_NONCANONICAL],
            &["duplicate", "tolerated", "nested"],
            None,
            req(
                b"Echo",
                &cat(&[len(17, &varint(1, 1)), len(17, &len(2, b"x"))]),
            ),
            ok(Some(json!({"fNested": {"a": 1, "b": "x"}}))),
        ),
        r(
            F,
            "payload-unknown-enum",
            "An undeclared enum number (7) is accepted and kept.",
            &[VAL_TOLERANT],
            &["enum", "tolerated"],
            None,
            req(b"Echo", &varint(16, 7)),
            ok(Some(json!({"fEnum": 7}))),
        ),
        r(
            F,
            "payload-packed-as-unpacked",
            "Packed and unpacked forms swapped: accepted, answered canonically.",
            &[VAL_TOLERANT, ENC_PACKED],
            &["packed", "unpacked", "tolerated"],
            None,
            req(
                b"Echo",
                &cat(&[varint(20, 1), varint(20, 2), len(21, &[3, 4])]),
            ),
            ok(Some(
                json!({"rInt32Packed": [1, 2], "rInt32Unpacked": [3, 4]}),
            )),
        ),
        r(
            F,
            "payload-map-default-key-written",
            "A map entry with its default key written: accepted, answered canonically.",
            &[VAL_TOLERANT, ENC_MAPS],
            &["map", "defaults", "tolerated"],
            None,
            req(b"Echo", &len(31, &cat(&[varint(1, 0), len(2, b"zero")]))),
            ok(Some(json!({"mInt32String": {"0": "zero"}}))),
        ),
        r(
            F,
            "payload-spec-ends-inside-value",
            "SPEC.md 6.10 example `18`: ends inside the value: PROTOBUF_SERDE.",
            v,
            &["truncated", "spec-example"],
            None,
            req(b"Echo", &[0x18]),
            serde(),
        ),
        r(
            F,
            "payload-spec-length-past-end",
            "SPEC.md 6.10 example `72 05 68 69`: length past the end: PROTOBUF_SERDE.",
            v,
            &["length-past-end", "spec-example"],
            None,
            req(b"Echo", &[0x72, 0x05, 0x68, 0x69]),
            serde(),
        ),
        r(
            F,
            "payload-spec-field-zero",
            "SPEC.md 6.10 example `00 01`: field number 0: PROTOBUF_SERDE.",
            v,
            &["wire-type", "spec-example"],
            None,
            req(b"Echo", &[0x00, 0x01]),
            serde(),
        ),
        r(
            F,
            "payload-spec-wire-type-6",
            "SPEC.md 6.10 example `1e`: wire type 6: PROTOBUF_SERDE.",
            v,
            &["wire-type", "spec-example"],
            None,
            req(b"Echo", &[0x1e]),
            serde(),
        ),
        r(
            F,
            "payload-spec-11-byte-varint",
            "SPEC.md 6.10 example: an 11-byte varint: PROTOBUF_SERDE.",
            v,
            &["overlong-varint", "spec-example"],
            None,
            req(
                b"Echo",
                &[
                    0x18, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
                ],
            ),
            serde(),
        ),
        r(
            F,
            "payload-spec-invalid-utf8",
            "SPEC.md 6.10 example `72 01 ff`: invalid UTF-8 in f_string: PROTOBUF_SERDE.",
            v,
            &["utf8", "spec-example"],
            None,
            req(b"Echo", &[0x72, 0x01, 0xff]),
            serde(),
        ),
        r(
            F,
            "payload-spec-wrong-wire-type",
            "SPEC.md 6.10 example `1a 01 01`: f_int32 with wire type 2: PROTOBUF_SERDE.",
            v,
            &["wire-type", "spec-example"],
            None,
            req(b"Echo", &[0x1a, 0x01, 0x01]),
            serde(),
        ),
        r(
            F,
            "payload-end-group-without-start",
            "An end-group tag without a start-group: PROTOBUF_SERDE.",
            v,
            &["wire-type"],
            None,
            req(b"Echo", &[0x0c]),
            serde(),
        ),
        r(
            F,
            "payload-unknown-group-skipped",
            "A well-formed group in an unknown field (field 99) is skipped.",
            &[VAL_TOLERANT, ENC_UNKNOWN],
            &["unknown-field", "tolerated"],
            None,
            req(
                b"Echo",
                &cat(&[
                    varint(3, 1),
                    raw_varint(99 << 3 | 3),
                    varint(1, 5),
                    raw_varint(99 << 3 | 4),
                ]),
            ),
            ok(Some(json!({"fInt32": 1}))),
        ),
        r(
            F,
            "payload-int32-wide-varint-truncated",
            "A 64-bit varint in an int32 field is truncated to its low 32 bits.",
            &[VAL_TOLERANT, ENC_NONCANONICAL],
            &["varint", "tolerated"],
            None,
            req(b"Echo", &varint(3, 0x1_0000_0005)),
            ok(Some(json!({"fInt32": 5}))),
        ),
        r(
            F,
            "payload-bool-non-zero",
            "A bool sent as varint 2 is true.",
            &[VAL_TOLERANT, ENC_NONCANONICAL],
            &["varint", "tolerated"],
            None,
            req(b"Echo", &varint(13, 2)),
            ok(Some(json!({"fBool": true}))),
        ),
        r(
            F,
            "payload-nesting-map-entry",
            "Map entries count as a nesting level: m_string_nested's value is depth 3, over max_nesting_depth 2.",
            &[LIMIT_NESTING, "REQ-LIMIT-2"],
            &["nesting", "map", "limit"],
            nesting(2),
            req(
                b"Echo",
                &len(32, &cat(&[len(1, b"k"), len(2, &varint(1, 1))])),
            ),
            err(ErrorCode::NestingTooDeep),
        ),
        r(
            F,
            "payload-fields-out-of-order",
            "Fields in descending order: accepted, answered canonically.",
            &[VAL_TOLERANT, ENC_NONCANONICAL],
            &["order", "tolerated"],
            None,
            req(b"Echo", &cat(&[len(14, b"s"), varint(3, 1)])),
            ok(Some(json!({"fInt32": 1, "fString": "s"}))),
        ),
    ]
}

fn receiver() -> Vec<Def> {
    const F: &str = "reject/receiver.yaml";
    let ntf =
        |name: &str, description: &str, tags: &[&'static str], bytes: Vec<u8>, malformed: bool| {
            def(
                F,
                name,
                description,
                &[NOTIF_MALFORMED],
                tags,
                Body::Reject {
                    config: None,
                    input: Input::Notification,
                    bytes,
                    expect: ExpectDef::Malformed(malformed),
                },
            )
        };
    let rsp = |name: &str, description: &str, bytes: Vec<u8>, code: ErrorCode| {
        def(
            F,
            name,
            description,
            &[ENV_STATUS_UNKNOWN],
            &["status"],
            Body::Reject {
                config: None,
                input: Input::Response,
                bytes,
                expect: err(code),
            },
        )
    };
    // FlowyError{code: UNKNOWN_EVENT (200), msg: "x", category: UNIMPLEMENTED (3)}.
    let flowy = cat(&[varint(1, 200), len(2, b"x"), varint(4, 3)]);
    let head = cat(&[len(1, b"conformance"), varint(2, 1)]);
    vec![
        ntf(
            "notification-payload-and-error",
            "A SubscribeObject with both payload and error: malformed, delivered to no listener.",
            &["notification", "oneof"],
            cat(&[head.clone(), len(4, &[]), len(5, &flowy)]),
            true,
        ),
        ntf(
            "notification-neither",
            "A SubscribeObject with neither payload nor error: malformed.",
            &["notification", "oneof"],
            head.clone(),
            true,
        ),
        ntf(
            "notification-empty-payload",
            "The payload arm set to empty bytes is a valid notification.",
            &["notification", "oneof", "defaults"],
            cat(&[head.clone(), len(4, &[])]),
            false,
        ),
        ntf(
            "notification-empty-error",
            "The error arm set to empty bytes (FlowyError with every field default) is a valid notification.",
            &["notification", "oneof", "defaults"],
            cat(&[head.clone(), len(5, &[])]),
            false,
        ),
        ntf(
            "notification-payload-twice",
            "The payload arm twice, TickPB{index: 1} then TickPB{index: 2}: the last wins; a valid notification.",
            &["notification", "duplicate"],
            cat(&[head.clone(), len(4, &varint(1, 1)), len(4, &varint(1, 2))]),
            false,
        ),
        ntf(
            "notification-payload-twice-last-undecodable",
            "The payload arm twice, a valid TickPB then 02 (field number 0): the last wins and is not a TickPB, so the notification is malformed.",
            &["notification", "duplicate"],
            cat(&[head.clone(), len(4, &varint(1, 1)), len(4, &[2])]),
            true,
        ),
        ntf(
            "notification-payload-undecodable",
            "A payload that is not the declared TickPB (a length running past its end): malformed.",
            &["notification", "truncated"],
            cat(&[head.clone(), len(4, &[0x12, 0x05, b'x'])]),
            true,
        ),
        def(
            F,
            "notification-error-undecodable",
            "An error arm that is not a FlowyError (its msg runs past the end): malformed, delivered to no listener.",
            &[NOTIF_MALFORMED, NOTIF_MALFORMED_CONTENT],
            &["notification", "truncated"],
            Body::Reject {
                config: None,
                input: Input::Notification,
                bytes: cat(&[head.clone(), len(5, &[0x12, 0x05, b'x'])]),
                expect: ExpectDef::Malformed(true),
            },
        ),
        ntf(
            "notification-truncated",
            "Bytes that do not decode as a SubscribeObject: malformed.",
            &["notification", "truncated"],
            cat(&[head, vec![0x22, 0x05]]),
            true,
        ),
        rsp(
            "response-status-internal",
            "Status 2 (INTERNAL), never sent by a backend: treated as ERR; the payload is a FlowyError.",
            cat(&[len(1, &flowy), varint(2, 2)]),
            ErrorCode::UnknownEvent,
        ),
        rsp(
            "response-status-unknown",
            "Status 7, not in FFIStatusCode: treated as ERR.",
            cat(&[len(1, &flowy), varint(2, 7)]),
            ErrorCode::UnknownEvent,
        ),
    ]
}

//! What the vectors say, written by hand: each case's input and the outcome SPEC.md fixes for it.
//!
//! The catalogue holds no bytes produced by an encoder. Values are proto-JSON written here;
//! malformed and non-canonical inputs are spelled record by record with [`wire`](super::wire);
//! outcomes (status, error code) come from the decisions SPEC.md records. `vectors generate` turns
//! each definition into a [`Case`](super::format::Case), computing the canonical bytes with the
//! reference encoder, and refuses a definition whose hand-written parts disagree with it.

mod anchors;
mod dispatch;
mod encoding;
mod envelope;
mod events;
mod notification;
mod reject;
pub mod spec;

use eventwire_schema::pb::ErrorCode;
use serde_json::Value as Json;

use super::format::{Config, Input, WireRecord};

/// One case as written by hand.
#[derive(Debug, Clone)]
pub struct Def {
    /// The file under `vectors/`, e.g. `encoding/scalars.yaml`.
    pub file: &'static str,
    pub name: String,
    pub description: String,
    pub spec: Vec<&'static str>,
    pub tags: Vec<&'static str>,
    pub source: Option<&'static str>,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// Canonical encoding of `value`.
    Encode { ty: &'static str, value: Json },
    /// `bytes` (not canonical) must decode to `value`.
    Decode {
        ty: &'static str,
        bytes: Vec<u8>,
        value: Json,
    },
    /// Raw records, as the encoding guide writes them; `bytes` is the hand-written encoding.
    Wire {
        bytes: Vec<u8>,
        records: Vec<WireRecord>,
    },
    /// An FFIRequest for `event` with this input (None: an event without input).
    Request {
        event: &'static str,
        payload: Option<Json>,
    },
    /// An FFIResponse of `event`.
    Response {
        event: &'static str,
        outcome: Outcome,
    },
    /// A SubscribeObject.
    Notification {
        source: &'static str,
        ty: i32,
        id: &'static str,
        seq: u64,
        arm: Arm,
    },
    /// Requests sent in order to one fresh backend.
    Dispatch {
        config: Option<Config>,
        steps: Vec<StepDef>,
    },
    /// Malformed or unusual bytes offered to a receiver.
    Reject {
        config: Option<Config>,
        input: Input,
        bytes: Vec<u8>,
        expect: ExpectDef,
    },
}

/// What a response carries.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// OK, with the output (None: an event without output).
    Ok(Option<Json>),
    /// ERR, with this FlowyError (its category is the schema's).
    Err {
        code: i32,
        msg: &'static str,
        payload: Vec<u8>,
    },
}

/// A notification's arm.
#[derive(Debug, Clone)]
pub enum Arm {
    Payload(Json),
    Error { code: ErrorCode, msg: String },
}

#[derive(Debug, Clone)]
pub struct StepDef {
    pub event: &'static str,
    pub payload: Option<Json>,
    pub expect: ExpectDef,
}

#[derive(Debug, Clone)]
pub enum ExpectDef {
    /// OK with this output, after exactly these notifications.
    Ok {
        output: Option<Json>,
        notifications: Vec<NotifDef>,
    },
    /// ERR with this code (and FlowyError payload, where fixed); no notifications.
    Err { code: i32, payload: Option<Vec<u8>> },
    /// A received notification: malformed or not.
    Malformed(bool),
}

#[derive(Debug, Clone)]
pub struct NotifDef {
    pub source: &'static str,
    pub ty: i32,
    pub id: String,
    pub arm: Arm,
}

/// Every case, in file order, files in the order they are listed here.
pub fn all() -> Vec<Def> {
    let mut defs = Vec::new();
    defs.extend(anchors::defs());
    defs.extend(encoding::defs());
    defs.extend(envelope::defs());
    defs.extend(events::defs());
    defs.extend(notification::defs());
    defs.extend(dispatch::defs());
    defs.extend(reject::defs());
    defs
}

/// The description of every file, by path.
pub fn file_descriptions() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "encoding/anchors.yaml",
            "Worked examples of the Protocol Buffers encoding guide (https://protobuf.dev/programming-guides/encoding/), as raw wire records and mapped onto messages of this schema.",
        ),
        (
            "encoding/scalars.yaml",
            "Every scalar type of AllTypesPB at zero, one, max, min and a negative value; strings, bytes, enums, nested messages.",
        ),
        (
            "encoding/repeated.yaml",
            "Packed and unpacked repeated fields of AllTypesPB, canonical and non-canonical.",
        ),
        (
            "encoding/maps.yaml",
            "Map fields of AllTypesPB: key order, and both forms of entries with a default key or value.",
        ),
        (
            "encoding/presence.yaml",
            "oneof arms and `optional` fields: explicit presence, including values equal to the default.",
        ),
        (
            "encoding/noncanonical.yaml",
            "Inputs a decoder must accept although no canonical encoder writes them: unknown fields, duplicates, out-of-order fields.",
        ),
        (
            "envelope.yaml",
            "The envelopes every transport carries: FFIRequest, FFIResponse, FlowyError, SubscribeObject and the stream framing messages.",
        ),
        (
            "events/user.yaml",
            "Every event of module `user`, as a request and as each of its responses.",
        ),
        (
            "events/document.yaml",
            "Every event of module `document`, as a request and as each of its responses.",
        ),
        (
            "events/conformance.yaml",
            "Every event of module `conformance`, as a request and as each of its responses.",
        ),
        (
            "notification.yaml",
            "Every notification of the event tables, with a payload and with an error.",
        ),
        (
            "dispatch/user.yaml",
            "Request sequences against a fresh backend, module `user`: responses and notifications.",
        ),
        (
            "dispatch/document.yaml",
            "Request sequences against a fresh backend, module `document`: responses and notifications.",
        ),
        (
            "dispatch/conformance.yaml",
            "Request sequences against a fresh backend, module `conformance`: the exactly specified behaviour.",
        ),
        (
            "reject/envelope.yaml",
            "Malformed FFIRequest envelopes, and unusual but valid ones.",
        ),
        (
            "reject/routing.yaml",
            "Routing and the request pipeline's order of checks.",
        ),
        (
            "reject/payload.yaml",
            "Malformed, oversized, over-nested and unusual payloads.",
        ),
        (
            "reject/receiver.yaml",
            "What a front end must do with unusual responses and notifications.",
        ),
    ]
}

// ---- small constructors, so definitions read as tables ----

pub(crate) fn def(
    file: &'static str,
    name: impl Into<String>,
    description: impl Into<String>,
    spec: &[&'static str],
    tags: &[&'static str],
    body: Body,
) -> Def {
    Def {
        file,
        name: name.into(),
        description: description.into(),
        spec: spec.to_vec(),
        tags: tags.to_vec(),
        source: None,
        body,
    }
}

/// Hand-written wire bytes, record by record.
pub(crate) mod w {
    use crate::vectors::wire::write_varint;

    pub fn tag(field: u32, wire_type: u8) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(u64::from(field) << 3 | u64::from(wire_type), &mut out);
        out
    }
    pub fn varint(field: u32, v: u64) -> Vec<u8> {
        let mut out = tag(field, 0);
        write_varint(v, &mut out);
        out
    }
    pub fn len(field: u32, body: &[u8]) -> Vec<u8> {
        let mut out = tag(field, 2);
        write_varint(body.len() as u64, &mut out);
        out.extend_from_slice(body);
        out
    }
    pub fn fixed32(field: u32, b: [u8; 4]) -> Vec<u8> {
        let mut out = tag(field, 5);
        out.extend_from_slice(&b);
        out
    }
    pub fn fixed64(field: u32, b: [u8; 8]) -> Vec<u8> {
        let mut out = tag(field, 1);
        out.extend_from_slice(&b);
        out
    }
    pub fn raw_varint(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(v, &mut out);
        out
    }
    pub fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }
}

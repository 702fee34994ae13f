//! The vector file format, as Rust types. `vectors/vectors.schema.json` is the same contract for
//! every other language; `vectors/README.md` says what each field means.
//!
//! Field order here is the order in the files, and optional fields are left out when absent, so
//! that a file written by `vectors generate` is the only spelling of its contents.

use serde::{Deserialize, Serialize};
use serde_norway::Value;

/// One file of `vectors/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    pub description: String,
    pub cases: Vec<Case>,
}

/// One vector. Which optional fields are present depends on `kind` (see the JSON Schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable: never renumbered, never reused (removed ids go to `vectors/RETIRED`).
    pub id: String,
    /// Stable, unique slug: the key `vectors generate` matches cases by.
    pub name: String,
    pub description: String,
    pub kind: Kind,
    /// The SPEC.md requirement ids this case checks.
    pub spec: Vec<String>,
    /// Bug classes, so a runner can select or report by class.
    pub tags: Vec<String>,
    /// Where an anchor case comes from (a published worked example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Backend configuration a dispatch or reject case assumes; unset keys take the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Config>,
    /// The event a request, response or dispatch case is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// encode/decode/request/response/notification: the message's full name.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// The message in canonical proto-JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// wire: the records, as a generic wire reader sees them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<Vec<WireRecord>>,
    /// For reject: what the bytes are offered as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Input>,
    /// The bytes (for reject: the bytes offered to the receiver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// decode: the canonical encoding of `value` (what an encoder writes for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_hex: Option<String>,
    /// request/response/notification: the envelope's payload (or error), decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner: Option<Inner>,
    /// dispatch: requests sent in order to one fresh backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// reject: the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Encode,
    Decode,
    Wire,
    Request,
    Response,
    Notification,
    Dispatch,
    Reject,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Encode,
        Kind::Decode,
        Kind::Wire,
        Kind::Request,
        Kind::Response,
        Kind::Notification,
        Kind::Dispatch,
        Kind::Reject,
    ];

    /// The id prefix of the kind: ids count per prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Encode => "enc",
            Kind::Decode => "dec",
            Kind::Wire => "wire",
            Kind::Request => "req",
            Kind::Response => "rsp",
            Kind::Notification => "ntf",
            Kind::Dispatch => "dsp",
            Kind::Reject => "rej",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Encode => "encode",
            Kind::Decode => "decode",
            Kind::Wire => "wire",
            Kind::Request => "request",
            Kind::Response => "response",
            Kind::Notification => "notification",
            Kind::Dispatch => "dispatch",
            Kind::Reject => "reject",
        }
    }
}

/// Backend limits and state a case assumes. Absent keys: the SPEC.md defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_nesting_depth: Option<u32>,
    /// Event names the caller may call (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// `false`: the backend has not finished initialising.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// Offered to a backend as an encoded FFIRequest; the outcome is its response.
    Request,
    /// Received by a front end as an encoded FFIResponse.
    Response,
    /// Received by a front end as an encoded SubscribeObject.
    Notification,
}

/// A message inside an envelope: its type, canonical proto-JSON and bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inner {
    #[serde(rename = "type")]
    pub ty: String,
    pub value: Value,
    pub hex: String,
}

/// One request of a dispatch case and what must come back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub event: String,
    /// The input payload, decoded; absent for an event without input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner: Option<Inner>,
    /// The encoded FFIRequest to send.
    pub hex: String,
    pub expect: Expect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "ERR")]
    Err,
}

/// An outcome. For a request: exactly one response, with these properties, and exactly these
/// notifications before it. For a received notification: whether it must be reported malformed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// ERR: the FlowyError's code and category (its `msg` is never compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ExpectError>,
    /// OK with an output: the output, decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Inner>,
    /// The exact FFIResponse bytes, where SPEC.md fixes them (every OK response whose output
    /// is byte-comparable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_hex: Option<String>,
    /// `false`: the output holds a map entry whose key or value is the default, which SPEC.md
    /// REQ-ENC-4(c) lets encoders write or omit; there is no `response_hex`, `output.hex` is one
    /// valid encoding of several, and only the decoded output is compared (REQ-ENC-4(e)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_comparable: Option<bool>,
    /// The notifications delivered, in order, before the response, to one subscriber that
    /// subscribed before the case's first request (so `seq` counts from 1 per case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<ExpectNotification>>,
    /// input notification: the receiver reports it as malformed and delivers it to no listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub malformed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectError {
    /// An ErrorCode value name, e.g. `ERROR_CODE_INVALID_REQUEST`.
    pub code: String,
    /// An ErrorCategory value name; always the schema category of `code`.
    pub category: String,
    /// The FlowyError's `payload`, where the spec fixes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_hex: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectNotification {
    pub source: String,
    pub ty: i32,
    pub id: String,
    /// Written as a decimal string, as proto-JSON writes a `uint64` (and as the `seq` inside
    /// every SubscribeObject `value` is written), so that `seq` has one type in every file.
    #[serde(with = "decimal_string")]
    pub seq: u64,
    /// The payload (or, for an error notification, the FlowyError), decoded: `inner.type` says
    /// which arm (`eventwire.v1.FlowyError`: the `error` arm; any other type: the `payload` arm).
    pub inner: Inner,
    /// The encoded SubscribeObject.
    pub hex: String,
}

/// One record of a `wire` case. `varint` for wire type VARINT, `hex` for the raw bytes of the
/// others; the remaining keys say how the documentation reads the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    pub field: u32,
    pub wire_type: WireType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub varint: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// The VARINT read as a zigzag-encoded sint32/sint64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zigzag: Option<i64>,
    /// The LEN value read as UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utf8: Option<String>,
    /// The LEN value read as a packed run of varints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_varints: Option<Vec<u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WireType {
    Varint,
    I64,
    Len,
    I32,
}

/// `vectors/RETIRED`: one retired id per line, `#` comments.
pub fn parse_retired(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `enc-0012` -> (`enc`, 12).
pub fn split_id(id: &str) -> Option<(&str, u32)> {
    let (prefix, n) = id.split_once('-')?;
    (n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (prefix, n.parse().ok()))
        .and_then(|(p, n)| Some((p, n?)))
}

pub fn make_id(kind: Kind, n: u32) -> String {
    format!("{}-{n:04}", kind.prefix())
}

/// A `u64` as a decimal string, the proto-JSON spelling of a 64-bit integer.
mod decimal_string {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|_| D::Error::custom(format!("seq must be a decimal string, not {text:?}")))
    }
}

//! One conformance case: what the runner sends, and what it accepts back.

use std::fmt;

use eventwire_schema::testee_pb::{self, FailureKind, MalformedKind};
use serde_json::Value;

/// Which side of the protocol a case tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The testee is a front end; the runner plays the backend.
    Binding,
    /// The testee is a dispatcher; the runner plays the front end.
    Backend,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Binding, Role::Backend];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Binding => "binding",
            Role::Backend => "backend",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "binding" => Some(Role::Binding),
            "backend" => Some(Role::Backend),
            _ => None,
        }
    }

    pub fn to_pb(self) -> testee_pb::Role {
        match self {
            Role::Binding => testee_pb::Role::Binding,
            Role::Backend => testee_pb::Role::Backend,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an implementation must pass a case to conform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Tests a MUST of SPEC.md.
    Required,
    /// Tests a SHOULD of SPEC.md.
    Recommended,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Required => "required",
            Level::Recommended => "recommended",
        }
    }
}

/// A case, ready to send.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<level>/<area>/<id>`, stable across releases.
    pub name: String,
    pub role: Role,
    pub level: Level,
    pub area: String,
    /// The SPEC.md requirement ids (`REQ-<AREA>-<N>`) the case checks.
    pub requirements: Vec<String>,
    /// Testee features the case needs; without them it is skipped.
    pub features: Vec<String>,
    pub doc: String,
    /// The file the case comes from, for messages.
    pub origin: String,
    pub op: testee_pb::case::Op,
    pub expect: Expect,
}

impl Case {
    /// The request the runner sends for this case.
    pub fn request(&self) -> testee_pb::TesteeRequest {
        testee_pb::TesteeRequest {
            kind: Some(testee_pb::testee_request::Kind::Case(testee_pb::Case {
                name: self.name.clone(),
                op: Some(self.op.clone()),
            })),
        }
    }
}

/// What the runner accepts as the answer.
#[derive(Debug, Clone)]
pub enum Expect {
    /// encode, round_trip, build_request: exactly these bytes.
    Data(Vec<u8>),
    /// encode: exactly one of these encodings, where SPEC.md allows more than one (a map entry
    /// whose key or value is the default may be written with or without it, REQ-ENC-4).
    DataAnyOf(Vec<Vec<u8>>),
    /// decode: this canonical proto-JSON, compared as a value.
    Json(Value),
    /// The operation fails with this kind.
    Failure(FailureKind),
    Interpreted(Interpreted),
    Routed {
        deliveries: Vec<Delivery>,
        malformed: Vec<u32>,
    },
    /// dispatch: one expectation per step, and one per extra subscriber.
    Dispatched {
        steps: Vec<Step>,
        subscribers: Vec<SubscriberExpect>,
    },
    /// stream: the ids answered with a response (ascending), the faults in order, and how many
    /// handshake frames (each the backend's own handshake, SPEC.md section 16.5).
    Stream {
        responses: Vec<u64>,
        faults: Vec<StreamFault>,
        handshakes: usize,
    },
    /// stream_client: the handshake's outcome and each call's.
    StreamClient {
        outcome: ExpectedOutcome,
        calls: Vec<CallExpect>,
    },
}

/// The handshake outcome a binding must report (SPEC.md section 16.5, REQ-VER-15).
#[derive(Debug, Clone)]
pub struct ExpectedOutcome {
    pub kind: testee_pb::HandshakeOutcomeKind,
    /// Compatible: the missing events, in order.
    pub missing: Vec<String>,
    /// Incompatible: the first differing event (`None` for a version mismatch).
    pub event: Option<String>,
    /// The backend's handshake the runner sent, to compare the reported fingerprints with.
    pub backend: Option<eventwire_schema::pb::StreamHandshake>,
}

/// How one call of a stream_client case completes.
#[derive(Debug, Clone)]
pub struct CallExpect {
    /// Whether it reached the backend (a request frame was written for it).
    pub sent: bool,
    pub result: Interpreted,
}

/// A fault a stream backend must write: its id, whether it is closing, and its error.
#[derive(Debug, Clone)]
pub struct StreamFault {
    pub id: u64,
    pub closing: bool,
    pub error: ExpectedError,
}

#[derive(Debug, Clone)]
pub enum Interpreted {
    /// Canonical proto-JSON of the output.
    Output(Value),
    Error(ExpectedError),
    Malformed(MalformedKind),
}

/// A FlowyError as compared: code and category always, payload when given; `msg` never.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedError {
    pub code: i32,
    pub category: i32,
    pub payload: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct Delivery {
    pub listener: u32,
    pub notification: u32,
    pub content: Content,
}

/// What a notification carries, as compared.
#[derive(Debug, Clone)]
pub enum Content {
    /// Canonical proto-JSON of the payload, decoded as the type the tables declare.
    Payload(Value),
    Error(ExpectedError),
}

/// One dispatched request's expected outcome.
#[derive(Debug, Clone)]
pub struct Step {
    pub response: Response,
    /// The notifications delivered before the response, in order.
    pub notifications: Vec<Notification>,
    /// The position of the response among all responses (from 1), when the case fixes it.
    pub arrival: Option<u32>,
}

/// What one extra subscriber (`BackendConfig.subscribers`) must have received.
#[derive(Debug, Clone)]
pub struct SubscriberExpect {
    /// Everything it received, in order.
    pub notifications: Vec<Notification>,
    /// Its drop counter, compared when the testee reports one.
    pub dropped: Option<u64>,
}

#[derive(Debug, Clone)]
pub enum Response {
    Ok {
        /// The full name of the output type, or `None` for an event without output (the payload
        /// must then be empty).
        output_type: Option<String>,
        json: Value,
        /// The exact payload bytes, when the case pins them (canonical encoding).
        bytes: Option<Vec<u8>>,
    },
    Err(ExpectedError),
}

#[derive(Debug, Clone)]
pub struct Notification {
    pub source: String,
    pub ty: i32,
    pub id: String,
    pub content: Content,
    /// The expected `seq`, when the case checks numbering.
    pub seq: Option<u64>,
}

//! The reference testee: the Rust implementation the suite is checked against.
//!
//! It plays the binding role with `binding` (dynamic messages over the schema's descriptors)
//! and the backend role with `backend` (the reference dispatcher, `eventwire`, in process) or
//! `stream` (a backend process such as `eventwire-host --stdio`), both following the one
//! schedule of `drive` (when steps are sent, cancelled and answered; when extra subscribers
//! read). [`Flaw`]s turn it into a deliberately wrong implementation, which is how the suite's own
//! tests prove that the cases catch real mistakes.

mod backend;
mod binding;
mod drive;
mod flaw;
mod stream;
mod stream_client;

use std::io::{Read, Write};

use eventwire_schema::testee_pb::{
    self, TesteeRequest, TesteeResponse, case::Op, case_result::Result as R, testee_request,
    testee_response,
};
use prost::Message;

use crate::{framing, testee::PROTOCOL_VERSION};

/// The features the reference declares (conformance/INTERPRETING.md, "Features").
pub const FEATURES: &[&str] = &[
    "preserve-unknown-fields",
    "notification-routing",
    "cancellation",
    "configuration",
    "not-ready",
    "concurrency",
    "subscribers",
    "empty-capability-set",
    "sample-app",
    "stream-client",
];

/// The features declared when the backend is a stream process: one connection is one subscriber,
/// the process is started not ready only with `backend_not_ready_arg`, and its frames bound what
/// it may send.
pub const STREAM_FEATURES: &[&str] = &[
    "preserve-unknown-fields",
    "notification-routing",
    "cancellation",
    "configuration",
    "concurrency",
    "empty-capability-set",
    "frame-limit",
    "stream-frames",
    "sample-app",
    "stream-client",
];

/// A deliberate mistake, for testing the suite itself. Never use one to claim conformance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flaw {
    /// Answers every case with empty `data`.
    Null,
    /// Reads a non-OK response's payload as text instead of a FlowyError.
    ErrorAsText,
    /// Matches listeners on `ty` alone, ignoring `source` and `id`.
    RouteByTyAlone,
    /// Encodes map entries in the order the JSON lists them instead of by key.
    MapInsertionOrder,
    /// Drops unknown fields when re-encoding.
    DropUnknownFields,
    /// Sends every dispatch step only after the previous one was answered, ignoring
    /// `DispatchStep.concurrent` (a backend testee without pipelining).
    Serial,
    /// Gives extra subscribers the default queue bound, ignoring `Subscriber.notification_queue`.
    DefaultQueues,
    /// Reads an empty capability list as "every event", ignoring
    /// `BackendConfig.capabilities_configured`.
    EmptyCapabilitiesAllowAll,
    /// Has no listener API: declares no `notification-routing` and answers `unsupported` to
    /// `route_notifications`, as an honest binding without listeners does.
    NoListenerApi,
    /// Reads a known field with the wrong wire type as an unknown field and skips it, as some
    /// protobuf runtimes do (allowed by REQ-ENC-12, a SHOULD): not a flaw of a required rule.
    LenientWireTypes,
    /// Reports an error's category as received, without applying REQ-ERR-9.
    CategoryAsReceived,
    /// Judges a notification's content only when a listener matches it (not REQ-NOTIF-16).
    JudgeOnlyWhenListened,
    /// Passes every 64-bit integer through a double, as a JavaScript binding with `number` does
    /// (2^53 + 1 becomes 2^53).
    Int64ViaDouble,
    /// Turns -0.0 into 0.0 in floating-point fields.
    NegativeZeroAsZero,
    /// Turns NaN into 0.0 in floating-point fields.
    NanAsZero,
    /// Turns +-Infinity into 0.0 in floating-point fields.
    InfinityAsZero,
    /// As a stream front end, ignores the handshake's outcome: sends calls to events the backend
    /// lacks (not REQ-VER-17) and reports no handshake.
    IgnoreHandshakeOutcome,
    /// As a stream front end, completes its oldest pending request on a fault with id 0 (not
    /// REQ-TRANS-STREAM-10).
    FaultIdZeroFailsOldest,
    /// Exits abruptly when it receives the case named so.
    CrashOn(String),
    /// Never answers the case named so.
    HangOn(String),
}

impl Flaw {
    /// Parses `null`, `error-as-text`, `route-by-ty-alone`, `map-insertion-order`,
    /// `drop-unknown-fields`, `serial`, `default-queues`, `empty-capabilities-allow-all`,
    /// `no-listener-api`, `lenient-wire-types`, `category-as-received`,
    /// `judge-only-when-listened`, `int64-via-double`, `negative-zero-as-zero`, `nan-as-zero`,
    /// `infinity-as-zero`, `ignore-handshake-outcome`, `fault-id-zero-fails-oldest`,
    /// `crash-on=CASE`, `hang-on=CASE`.
    pub fn parse(s: &str) -> Option<Flaw> {
        Some(match s {
            "null" => Flaw::Null,
            "error-as-text" => Flaw::ErrorAsText,
            "route-by-ty-alone" => Flaw::RouteByTyAlone,
            "map-insertion-order" => Flaw::MapInsertionOrder,
            "drop-unknown-fields" => Flaw::DropUnknownFields,
            "serial" => Flaw::Serial,
            "default-queues" => Flaw::DefaultQueues,
            "empty-capabilities-allow-all" => Flaw::EmptyCapabilitiesAllowAll,
            "no-listener-api" => Flaw::NoListenerApi,
            "lenient-wire-types" => Flaw::LenientWireTypes,
            "category-as-received" => Flaw::CategoryAsReceived,
            "judge-only-when-listened" => Flaw::JudgeOnlyWhenListened,
            "int64-via-double" => Flaw::Int64ViaDouble,
            "negative-zero-as-zero" => Flaw::NegativeZeroAsZero,
            "nan-as-zero" => Flaw::NanAsZero,
            "infinity-as-zero" => Flaw::InfinityAsZero,
            "ignore-handshake-outcome" => Flaw::IgnoreHandshakeOutcome,
            "fault-id-zero-fails-oldest" => Flaw::FaultIdZeroFailsOldest,
            _ => {
                if let Some(name) = s.strip_prefix("crash-on=") {
                    Flaw::CrashOn(name.to_owned())
                } else if let Some(name) = s.strip_prefix("hang-on=") {
                    Flaw::HangOn(name.to_owned())
                } else {
                    return None;
                }
            }
        })
    }
}

/// The reference testee's state: which flaw, if any, and (once a dispatch case came) the
/// runtime the reference dispatcher runs on.
#[derive(Default)]
pub struct Reference {
    pub flaw: Option<Flaw>,
    /// When set, the backend role runs this stream backend command (e.g. `eventwire-host --stdio`)
    /// once per dispatch case instead of the in-process dispatcher.
    pub backend_command: Option<String>,
    /// With `backend_command`: the argument that starts the backend not ready (e.g.
    /// `--not-ready`); when set, the testee declares the `not-ready` feature.
    pub backend_not_ready_arg: Option<String>,
    /// Features not to declare, e.g. `sample-app` for a backend that mounts only its own modules
    /// and the conformance module.
    pub without_features: Vec<String>,
    backend: Option<backend::Backend>,
}

impl Reference {
    /// Answers one request.
    pub fn answer(&mut self, request: TesteeRequest) -> TesteeResponse {
        let kind = match request.kind {
            Some(testee_request::Kind::Handshake(_)) => {
                testee_response::Kind::Handshake(testee_pb::HandshakeResult {
                    protocol_version: PROTOCOL_VERSION,
                    implementation_name: "eventwire-conformance-testee".into(),
                    implementation_version: env!("CARGO_PKG_VERSION").into(),
                    roles: vec![
                        testee_pb::Role::Binding as i32,
                        testee_pb::Role::Backend as i32,
                    ],
                    features: self.features(),
                })
            }
            Some(testee_request::Kind::Case(case)) => testee_response::Kind::Case(self.run(case)),
            None => testee_response::Kind::Case(testee_pb::CaseResult {
                result: Some(R::Unsupported("an empty TesteeRequest".into())),
            }),
        };
        TesteeResponse { kind: Some(kind) }
    }

    fn features(&self) -> Vec<String> {
        let mut features: Vec<String> = match self.backend_command {
            Some(_) => STREAM_FEATURES.iter().map(|f| f.to_string()).collect(),
            None => FEATURES.iter().map(|f| f.to_string()).collect(),
        };
        if self.backend_command.is_some() && self.backend_not_ready_arg.is_some() {
            features.push("not-ready".into());
        }
        if self.flaw == Some(Flaw::NoListenerApi) {
            features.retain(|f| f != "notification-routing");
        }
        features.retain(|f| !self.without_features.contains(f));
        features
    }

    fn run(&mut self, case: testee_pb::Case) -> testee_pb::CaseResult {
        let flaw = self.flaw.as_ref();
        match flaw {
            Some(Flaw::Null) => {
                return testee_pb::CaseResult {
                    result: Some(R::Data(Vec::new())),
                };
            }
            Some(Flaw::CrashOn(name)) if *name == case.name => std::process::abort(),
            Some(Flaw::HangOn(name)) if *name == case.name => loop {
                std::thread::park();
            },
            _ => {}
        }
        let result = match &case.op {
            Some(Op::Encode(op)) => binding::encode(op, flaw),
            Some(Op::Decode(op)) => binding::decode(op, flaw),
            Some(Op::RoundTrip(op)) => binding::round_trip(op, flaw),
            Some(Op::BuildRequest(op)) => binding::build_request(op),
            Some(Op::InterpretResponse(op)) => binding::interpret_response(op, flaw),
            Some(Op::RouteNotifications(_)) if flaw == Some(&Flaw::NoListenerApi) => {
                R::Unsupported("this binding has no listener API".into())
            }
            Some(Op::RouteNotifications(op)) => binding::route_notifications(op, flaw),
            Some(Op::StreamClient(op)) => stream_client::run(op, flaw),
            Some(Op::Dispatch(op)) => {
                let op = &flawed_dispatch(op, flaw);
                match &self.backend_command {
                    Some(command) => {
                        stream::dispatch(command, self.backend_not_ready_arg.as_deref(), op)
                    }
                    None => self
                        .backend
                        .get_or_insert_with(backend::Backend::new)
                        .dispatch(op),
                }
            }
            Some(Op::Stream(op)) => match &self.backend_command {
                Some(command) => stream::frames(command, op),
                None => {
                    R::Unsupported("stream frames need a stream backend (--backend-command)".into())
                }
            },
            None => R::Unsupported("a case without an operation".into()),
        };
        testee_pb::CaseResult {
            result: Some(result),
        }
    }

    /// Answers encoded requests with encoded answers; undecodable requests get `unsupported`.
    pub fn answer_bytes(&mut self, request: &[u8]) -> Vec<u8> {
        let response = match TesteeRequest::decode(request) {
            Ok(request) => self.answer(request),
            Err(e) => TesteeResponse {
                kind: Some(testee_response::Kind::Case(testee_pb::CaseResult {
                    result: Some(R::Unsupported(format!("undecodable TesteeRequest: {e}"))),
                })),
            },
        };
        response.encode_to_vec()
    }

    /// Serves the testee protocol until `input` ends.
    pub fn serve(&mut self, mut input: impl Read, mut output: impl Write) -> std::io::Result<()> {
        while let Some(request) = framing::read_frame(&mut input)? {
            eventwire::framing::write_frame(&mut output, &self.answer_bytes(&request))?;
        }
        Ok(())
    }
}

/// The dispatch operation as a backend testee with `flaw` would perform it.
fn flawed_dispatch(op: &testee_pb::DispatchOp, flaw: Option<&Flaw>) -> testee_pb::DispatchOp {
    let mut op = op.clone();
    let config = op.config.get_or_insert_with(Default::default);
    match flaw {
        Some(Flaw::Serial) => op.steps.iter_mut().for_each(|s| s.concurrent = false),
        Some(Flaw::DefaultQueues) => config
            .subscribers
            .iter_mut()
            .for_each(|s| s.notification_queue = 0),
        Some(Flaw::EmptyCapabilitiesAllowAll) => config.capabilities_configured = false,
        _ => {}
    }
    op
}

/// The built-in backend: the reference dispatcher, in process.
pub fn backend_testee() -> Option<Box<dyn crate::testee::Testee>> {
    Some(Box::new(crate::testee::InProcess::new(|| {
        let mut r = Reference::default();
        Box::new(move |req: &[u8]| r.answer_bytes(req))
    })))
}

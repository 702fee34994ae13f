//! Talking to an implementation under test: one exchange at a time, with a deadline.
//!
//! A [`Testee`] carries encoded `TesteeRequest`s and `TesteeResponse`s; a [`Session`] adds the
//! handshake, and restarts the testee (with a fresh handshake) after it crashed or hung, so that
//! one bad case costs only that case.

mod in_process;
mod process;

use std::time::Duration;

use eventwire_schema::testee_pb::{
    self, TesteeRequest, TesteeResponse, testee_request, testee_response,
};
use prost::Message;

pub use in_process::InProcess;
pub use process::Process;

use crate::case::{Case, Role};

/// The testee protocol version this runner speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The version of the suite, sent in the handshake.
pub const SUITE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why an exchange did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The testee exited or closed its output.
    Crashed(String),
    /// No answer within the deadline; the testee was stopped.
    Hung(Duration),
    /// The answer was not a frame holding a `TesteeResponse`.
    Protocol(String),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Crashed(why) => write!(f, "the testee crashed: {why}"),
            Fault::Hung(d) => write!(
                f,
                "the testee did not answer within {} ms and was stopped",
                d.as_millis()
            ),
            Fault::Protocol(why) => write!(f, "the testee broke the testee protocol: {why}"),
        }
    }
}

/// A process (or in-process implementation) that answers testee requests.
pub trait Testee: Send {
    /// Sends one encoded `TesteeRequest` and waits at most `timeout` for the encoded answer.
    fn exchange(&mut self, request: &[u8], timeout: Duration) -> Result<Vec<u8>, Fault>;
    /// Stops the testee if it runs, and starts it afresh.
    fn restart(&mut self) -> Result<(), String>;
}

/// A testee after a successful handshake for one role.
pub struct Session {
    testee: Box<dyn Testee>,
    role: Role,
    timeout: Duration,
    hello: testee_pb::HandshakeResult,
    needs_restart: bool,
    /// Set when a restart failed: every later case cannot run.
    dead: Option<String>,
}

/// What a case produced when it could not be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRun {
    Fault(Fault),
    /// The testee answered `unsupported`.
    Unsupported(String),
    /// The testee could not be restarted after an earlier fault.
    Dead(String),
}

impl std::fmt::Display for NotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRun::Fault(fault) => fault.fmt(f),
            NotRun::Unsupported(why) => {
                write!(f, "the testee does not support this operation: {why}")
            }
            NotRun::Dead(why) => write!(f, "the testee could not be restarted: {why}"),
        }
    }
}

/// The handshake the runner sends for `role`.
pub fn handshake_request(role: Role) -> TesteeRequest {
    TesteeRequest {
        kind: Some(testee_request::Kind::Handshake(testee_pb::Handshake {
            protocol_version: PROTOCOL_VERSION,
            suite_version: SUITE_VERSION.to_owned(),
            role: role.to_pb() as i32,
        })),
    }
}

fn handshake(
    testee: &mut dyn Testee,
    role: Role,
    timeout: Duration,
) -> Result<testee_pb::HandshakeResult, String> {
    let answer = testee
        .exchange(&handshake_request(role).encode_to_vec(), timeout)
        .map_err(|f| f.to_string())?;
    let hello = match TesteeResponse::decode(answer.as_slice()) {
        Ok(TesteeResponse {
            kind: Some(testee_response::Kind::Handshake(h)),
        }) => h,
        Ok(other) => return Err(format!("expected a handshake answer, got {other:?}")),
        Err(e) => return Err(format!("the handshake answer is not a TesteeResponse: {e}")),
    };
    if hello.protocol_version != PROTOCOL_VERSION {
        return Err(format!(
            "the testee speaks testee protocol version {}, this runner speaks {PROTOCOL_VERSION}",
            hello.protocol_version
        ));
    }
    Ok(hello)
}

impl Session {
    /// Handshakes with `testee` for `role`.
    pub fn start(
        mut testee: Box<dyn Testee>,
        role: Role,
        timeout: Duration,
    ) -> Result<Session, String> {
        let hello = handshake(testee.as_mut(), role, timeout)?;
        Ok(Session {
            testee,
            role,
            timeout,
            hello,
            needs_restart: false,
            dead: None,
        })
    }

    /// What the testee said about itself.
    pub fn hello(&self) -> &testee_pb::HandshakeResult {
        &self.hello
    }

    /// Whether the testee declares `role`.
    pub fn plays(&self, role: Role) -> bool {
        self.hello.roles.contains(&(role.to_pb() as i32))
    }

    /// The features `case` needs that the testee did not declare.
    pub fn missing_features<'c>(&self, case: &'c Case) -> Vec<&'c str> {
        case.features
            .iter()
            .filter(|f| !self.hello.features.contains(f))
            .map(String::as_str)
            .collect()
    }

    /// Sends `case` and returns the testee's result, restarting the testee first if an earlier
    /// case left it broken.
    pub fn run(&mut self, case: &Case) -> Result<testee_pb::CaseResult, NotRun> {
        if let Some(why) = &self.dead {
            return Err(NotRun::Dead(why.clone()));
        }
        if self.needs_restart {
            let restarted = self
                .testee
                .restart()
                .and_then(|()| handshake(self.testee.as_mut(), self.role, self.timeout));
            match restarted {
                Ok(hello) => {
                    self.hello = hello;
                    self.needs_restart = false;
                }
                Err(why) => {
                    self.dead = Some(why.clone());
                    return Err(NotRun::Dead(why));
                }
            }
        }
        let answer = match self
            .testee
            .exchange(&case.request().encode_to_vec(), self.timeout)
        {
            Ok(answer) => answer,
            Err(fault) => {
                self.needs_restart = true;
                return Err(NotRun::Fault(fault));
            }
        };
        match TesteeResponse::decode(answer.as_slice()) {
            Ok(TesteeResponse {
                kind: Some(testee_response::Kind::Case(result)),
            }) => match result.result {
                Some(testee_pb::case_result::Result::Unsupported(why)) => {
                    Err(NotRun::Unsupported(why))
                }
                _ => Ok(result),
            },
            Ok(other) => {
                self.needs_restart = true;
                Err(NotRun::Fault(Fault::Protocol(format!(
                    "expected a case result, got {other:?}"
                ))))
            }
            Err(e) => {
                self.needs_restart = true;
                Err(NotRun::Fault(Fault::Protocol(format!(
                    "the answer is not a TesteeResponse: {e}"
                ))))
            }
        }
    }
}

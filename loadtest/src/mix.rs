//! The request mix: what request number `i` is, its bytes, and which outcomes are correct for it.
//! Deterministic, so a failing run can be reproduced and every transport gets the same mix.

use eventwire::ErrorCode;
use eventwire_sample_app::reference::pb;
use prost::Message;

/// What one request (or, on the stream, one malformed frame) tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Ping`: answered OK.
    Ping,
    /// `Panic`: the handler panics; answered INTERNAL.
    Panic,
    /// `Sleep{1000}` past its deadline: answered REQUEST_TIMEOUT.
    Timeout,
    /// `Sleep{60000}`, cancelled right after it was sent: answered CANCELLED.
    Cancelled,
    /// Bytes that are not an FFIRequest: answered INVALID_REQUEST.
    BadEnvelope,
    /// `EmitNotifications{count: 3}`: three notifications, then OK.
    Emit,
    /// An event nobody declared: answered UNKNOWN_EVENT.
    UnknownEvent,
    /// Transport-level garbage: a malformed stream frame (answered with a fault, no response), a
    /// NULL request pointer on the C ABI (answered INVALID_REQUEST).
    Malformed,
}

/// The kind of request number `i` (1-based): one percent each of the unusual kinds.
pub fn kind_of(i: u64) -> Kind {
    match i % 100 {
        0 => Kind::Panic,
        1 => Kind::Timeout,
        2 => Kind::Cancelled,
        3 => Kind::BadEnvelope,
        4 => Kind::Emit,
        5 => Kind::UnknownEvent,
        6 => Kind::Malformed,
        _ => Kind::Ping,
    }
}

fn envelope(event: &str, payload: Vec<u8>) -> Vec<u8> {
    pb::FfiRequest {
        event: event.into(),
        payload,
    }
    .encode_to_vec()
}

/// The FFIRequest bytes of a kind (for `Malformed`, a truncated envelope, used by the in-process
/// transport, which has neither frames nor pointers).
pub fn request(kind: Kind) -> Vec<u8> {
    match kind {
        Kind::Ping => envelope("Ping", vec![]),
        Kind::Panic => envelope(
            "Panic",
            pb::PanicPayloadPb {
                message: "load test".into(),
            }
            .encode_to_vec(),
        ),
        Kind::Timeout => envelope("Sleep", pb::SleepPayloadPb { millis: 1000 }.encode_to_vec()),
        Kind::Cancelled => envelope(
            "Sleep",
            pb::SleepPayloadPb { millis: 60_000 }.encode_to_vec(),
        ),
        Kind::BadEnvelope => vec![0xff, 0xff, 0xff],
        Kind::Emit => envelope(
            "EmitNotifications",
            pb::EmitNotificationsPayloadPb {
                count: 3,
                id: "load".into(),
                as_error: false,
            }
            .encode_to_vec(),
        ),
        Kind::UnknownEvent => envelope("NoSuchEvent", vec![]),
        Kind::Malformed => vec![0x0a, 0x05, b'P'],
    }
}

/// The outcome a response reports: `None` for OK, else the error code.
pub type Outcome = Option<i32>;

/// Whether `outcome` is correct for `kind`. OVERLOADED is always correct: the driver keeps more
/// requests outstanding than the in-flight limit on purpose.
pub fn accepts(kind: Kind, outcome: Outcome) -> bool {
    let code = |c: ErrorCode| Some(c as i32);
    if outcome == code(ErrorCode::Overloaded) {
        return true;
    }
    outcome
        == match kind {
            Kind::Ping | Kind::Emit => None,
            Kind::Panic => code(ErrorCode::Internal),
            Kind::Timeout => code(ErrorCode::RequestTimeout),
            Kind::Cancelled => code(ErrorCode::Cancelled),
            Kind::BadEnvelope | Kind::Malformed => code(ErrorCode::InvalidRequest),
            Kind::UnknownEvent => code(ErrorCode::UnknownEvent),
        }
}

/// Reads a response: `Err` when it is not a well-formed FFIResponse (an ERR payload that is not a
/// FlowyError with its code's category, or a status other than OK and ERR).
pub fn outcome(response: &[u8]) -> Result<Outcome, String> {
    let response =
        pb::FfiResponse::decode(response).map_err(|e| format!("not an FFIResponse: {e}"))?;
    match response.code {
        0 => Ok(None),
        1 => {
            let error = pb::FlowyError::decode(response.payload.as_slice())
                .map_err(|e| format!("ERR payload is not a FlowyError: {e}"))?;
            let code = ErrorCode::try_from(error.code)
                .map_err(|_| format!("unknown code {}", error.code))?;
            if error.category != code.category() as i32 {
                return Err(format!("category {} for {code:?}", error.category));
            }
            Ok(Some(error.code))
        }
        other => Err(format!("status {other}")),
    }
}

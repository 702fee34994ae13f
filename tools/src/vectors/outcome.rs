//! What a case expects, compared with what happened: shared by the test runner and by
//! `vectors generate`, so both apply the same rules (SPEC.md: compare codes and categories, never
//! `msg`; compare bytes where the spec fixes them).

use eventwire_schema::pb;
use prost::Message;

use super::format::{Expect, Status};
use super::hex::{from_hex, to_hex};

/// One request's observable result: the response and the notifications delivered before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub response: Vec<u8>,
    pub notifications: Vec<Vec<u8>>,
}

/// `Err` names the first difference.
pub fn compare(expect: &Expect, observed: &Observed) -> Result<(), String> {
    let response = pb::FfiResponse::decode(observed.response.as_slice()).map_err(|e| {
        format!(
            "the response is not an FFIResponse ({e}): {}",
            to_hex(&observed.response)
        )
    })?;
    match expect.status {
        Some(Status::Ok) => {
            if response.code != pb::FfiStatusCode::Ok as i32 {
                return Err(format!(
                    "expected OK, got status {} with {}",
                    response.code,
                    describe_error(&response.payload)
                ));
            }
        }
        Some(Status::Err) => {
            if response.code == pb::FfiStatusCode::Ok as i32 {
                return Err(format!(
                    "expected ERR, got OK with payload {}",
                    to_hex(&response.payload)
                ));
            }
            let got = pb::FlowyError::decode(response.payload.as_slice()).map_err(|e| {
                format!(
                    "an ERR payload must be a FlowyError, got {} ({e})",
                    to_hex(&response.payload)
                )
            })?;
            let want = expect
                .error
                .as_ref()
                .ok_or("an ERR expectation without an error")?;
            let code = name_of_code(got.code);
            let category = name_of_category(got.category);
            if code != want.code || category != want.category {
                return Err(format!(
                    "expected {} / {}, got {code} / {category} (msg {:?})",
                    want.code, want.category, got.msg
                ));
            }
            if let Some(p) = &want.payload_hex {
                if to_hex(&got.payload) != *p {
                    return Err(format!(
                        "expected FlowyError.payload {p}, got {}",
                        to_hex(&got.payload)
                    ));
                }
            }
        }
        None => return Err("the case expects no response".into()),
    }
    if let (Some(Status::Ok), Some(output)) = (expect.status, &expect.output) {
        // The decoded output always; its bytes only where the case pins them (REQ-ENC-4(e)).
        let got = super::codec::decode(&output.ty, &response.payload).map_err(|e| {
            format!(
                "the output is not a {} ({e}): {}",
                output.ty,
                to_hex(&response.payload)
            )
        })?;
        if got != output.value {
            return Err(format!(
                "the output differs:\n  expected {:?}\n  got      {got:?}",
                output.value
            ));
        }
    }
    if let Some(hex) = &expect.response_hex {
        let want = from_hex(hex).map_err(|e| e.to_string())?;
        if want != observed.response {
            return Err(format!(
                "response bytes differ:\n  expected {hex}\n  got      {}",
                to_hex(&observed.response)
            ));
        }
    }
    if let Some(notes) = &expect.notifications {
        let got: Vec<String> = observed.notifications.iter().map(|n| to_hex(n)).collect();
        let want: Vec<&str> = notes.iter().map(|n| n.hex.as_str()).collect();
        if got != want {
            return Err(format!(
                "notifications before the response differ:\n  expected {want:#?}\n  got      {got:#?}"
            ));
        }
    }
    Ok(())
}

fn describe_error(payload: &[u8]) -> String {
    match pb::FlowyError::decode(payload) {
        Ok(e) => format!("{} ({:?})", name_of_code(e.code), e.msg),
        Err(_) => to_hex(payload),
    }
}

pub fn name_of_code(n: i32) -> String {
    super::codes::value_name(n)
}

pub fn name_of_category(n: i32) -> String {
    pb::ErrorCategory::try_from(n)
        .map(|c| c.as_str_name().to_owned())
        .unwrap_or_else(|_| n.to_string())
}

/// How a front end reads a notification (SPEC.md REQ-NOTIF-2, REQ-NOTIF-16): `None` if it is
/// malformed and must be delivered to no listener. Malformed: the bytes are not a
/// `SubscribeObject`; both or neither of `payload` and `error` are set; the `payload` of a
/// declared (source, ty) does not decode as the declared message; the `error` does not decode as a
/// `FlowyError`. A payload of an undeclared (source, ty) is not judged (REQ-NOTIF-11).
pub fn receive_notification(bytes: &[u8]) -> Option<pb::SubscribeObject> {
    use pb::subscribe_object::{ErrorOneof, PayloadOneof};
    let n = pb::SubscribeObject::decode(bytes).ok()?;
    match (&n.payload_oneof, &n.error_oneof) {
        (Some(PayloadOneof::Payload(p)), None) => {
            if let Some(kind) = eventwire_schema::tables().notification(&n.source, n.ty) {
                prost_reflect::DynamicMessage::decode(kind.payload.clone(), p.as_slice()).ok()?;
            }
        }
        (None, Some(ErrorOneof::Error(e))) => {
            pb::FlowyError::decode(e.as_slice()).ok()?;
        }
        _ => return None,
    }
    Some(n)
}

/// How a front end reads a response: OK with the output bytes, or the FlowyError for any other
/// status (INTERNAL and unknown statuses included). `Err(())` if it cannot be read at all.
#[allow(
    clippy::result_unit_err,
    reason = "unreadable is the only failure; callers map it to their own outcome"
)]
pub fn receive_response(bytes: &[u8]) -> Result<Result<Vec<u8>, pb::FlowyError>, ()> {
    let r = pb::FfiResponse::decode(bytes).map_err(|_| ())?;
    if r.code == pb::FfiStatusCode::Ok as i32 {
        Ok(Ok(r.payload))
    } else {
        pb::FlowyError::decode(r.payload.as_slice())
            .map(Err)
            .map_err(|_| ())
    }
}

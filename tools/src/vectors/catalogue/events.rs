//! Every event of every table as a request, and as its OK response and each declared error.
//!
//! The sample values are those the dispatch cases use, so the two kinds of vectors agree.

use eventwire_schema::{Errors, pb::ErrorCode, project_pb::SampleErrorCode, tables};
use serde_json::{Value as Json, json};

use super::spec::*;
use super::{Body, Def, Outcome, def};

/// A typical input and the output the reference answers it with, per event; the error message
/// a typical failure carries, per (event, code).
fn sample(event: &str) -> (Option<Json>, Option<Json>) {
    match event {
        "SignIn" => (
            Some(json!({"email": "ada@example.org", "password": "pw", "name": "Ada"})),
            Some(
                json!({"id": "1", "email": "ada@example.org", "name": "Ada", "token": super::dispatch::token(1, "ada@example.org")}),
            ),
        ),
        "GetUserProfile" => (
            None,
            Some(
                json!({"id": "1", "email": "ada@example.org", "name": "Ada", "token": super::dispatch::token(1, "ada@example.org")}),
            ),
        ),
        "UpdateUserProfile" => (
            Some(json!({"name": "Ada L."})),
            Some(
                json!({"id": "1", "email": "ada@example.org", "name": "Ada L.", "token": super::dispatch::token(1, "ada@example.org")}),
            ),
        ),
        "SignOut" => (None, None),
        "GetDocument" => (
            Some(json!({"documentId": "notes"})),
            Some(json!({"documentId": "notes"})),
        ),
        "ApplyEdit" => (
            Some(json!({"documentId": "notes", "insert": "héllo"})),
            None,
        ),
        "ExportDocument" => (
            Some(json!({"viewId": "notes", "exportType": "EXPORT_TYPE_MARKDOWN"})),
            Some(json!({"data": "# notes\n\nhéllo", "exportType": "EXPORT_TYPE_MARKDOWN"})),
        ),
        "Echo" => (
            Some(
                json!({"fInt32": 1, "fString": "é", "rInt32Packed": [1, 2], "mStringInt32": {"a": 1}, "oUint32": 0}),
            ),
            Some(
                json!({"fInt32": 1, "fString": "é", "rInt32Packed": [1, 2], "mStringInt32": {"a": 1}, "oUint32": 0}),
            ),
        ),
        "RaiseError" => (
            Some(
                json!({"code": "ERROR_CODE_RECORD_NOT_FOUND", "msg": "raised", "payload": "AQ=="}),
            ),
            None,
        ),
        "Panic" => (Some(json!({"message": "boom"})), None),
        "Sleep" => (
            Some(json!({"millis": 10})),
            Some(json!({"sleptMillis": 10})),
        ),
        "EmitNotifications" => (
            Some(json!({"count": 2, "id": "req-1"})),
            Some(json!({"emitted": 2})),
        ),
        "Ping" => (None, Some(json!({"message": "pong"}))),
        "Discard" => (Some(json!({"a": 1, "b": "dropped"})), None),
        "Nest" => (
            Some(json!({"depth": 1, "child": {"depth": 2}})),
            Some(json!({"depth": 2})),
        ),
        other => panic!("catalogue: no sample for event `{other}`; add one"),
    }
}

fn error_msg(code: i32) -> &'static str {
    match (ErrorCode::try_from(code), SampleErrorCode::try_from(code)) {
        (_, Ok(SampleErrorCode::EmailFormatInvalid)) => "email: not of the form local@domain",
        (_, Ok(SampleErrorCode::PasswordIsEmpty)) => "password: must not be empty",
        (_, Ok(SampleErrorCode::UserNotSignedIn)) => "no user is signed in",
        (_, Ok(SampleErrorCode::ViewIdIsInvalid)) => {
            "view_id: View id can not be empty or whitespace"
        }
        (Ok(ErrorCode::InvalidParams), _) => "document_id: must not be empty or whitespace",
        (Ok(ErrorCode::RecordNotFound), _) => "document `notes` does not exist",
        _ => "raised",
    }
}

pub fn defs() -> Vec<Def> {
    let mut defs = Vec::new();
    for module in tables().modules() {
        let file: &'static str = match module.name.as_str() {
            "user" => "events/user.yaml",
            "document" => "events/document.yaml",
            "conformance" => "events/conformance.yaml",
            other => panic!("catalogue: no vector file for module `{other}`"),
        };
        for ev in &module.events {
            let event: &'static str = ev.name.clone().leak();
            let app_spec = event_requirement(event).unwrap_or(APP_STATE);
            let (input, output) = sample(event);
            let input = ev
                .input
                .as_ref()
                .map(|_| input.expect("an event with input has a sample input"));
            defs.push(def(
                file,
                format!("{}-request", kebab(event)),
                format!("{event}: an FFIRequest."),
                &[ENV_REQUEST],
                &["request"],
                Body::Request {
                    event,
                    payload: input,
                },
            ));
            // Panic and RaiseError never answer OK.
            if !matches!(event, "Panic" | "RaiseError") {
                defs.push(def(
                    file,
                    format!("{}-response-ok", kebab(event)),
                    format!("{event}: the OK response."),
                    &[ENV_RESPONSE, app_spec],
                    &["response"],
                    Body::Response {
                        event,
                        outcome: Outcome::Ok(ev.output.as_ref().map(|_| {
                            output
                                .clone()
                                .expect("an event with output has a sample output")
                        })),
                    },
                ));
            }
            let mut codes: Vec<i32> = match &ev.errors {
                // `any`: every code a schema of the reference backend declares (REQ-ERR-16).
                Errors::Any => all_codes()
                    .into_iter()
                    .map(i32::from)
                    .chain(tables().error_codes().iter().map(|c| c.number))
                    .collect(),
                Errors::Codes(c) => c.iter().map(|c| c.number).collect(),
            };
            if event == "Panic" {
                codes.push(ErrorCode::Internal.into());
            }
            for code in codes {
                let payload = if event == "RaiseError" {
                    vec![0x01]
                } else {
                    Vec::new()
                };
                defs.push(def(
                    file,
                    format!(
                        "{}-response-{}",
                        kebab(event),
                        crate::vectors::codes::short_name(code)
                            .to_ascii_lowercase()
                            .replace('_', "-")
                    ),
                    format!(
                        "{event}: the ERR response with {}.",
                        crate::vectors::codes::value_name(code)
                    ),
                    &[ENV_RESPONSE, ENV_ERROR_PAYLOAD, ENV_CATEGORY],
                    &["response", "error"],
                    Body::Response {
                        event,
                        outcome: Outcome::Err {
                            code,
                            msg: error_msg(code),
                            payload,
                        },
                    },
                ));
            }
        }
    }
    defs
}

pub fn all_codes() -> Vec<ErrorCode> {
    (0..=255)
        .filter_map(|n| ErrorCode::try_from(n).ok())
        .collect()
}

pub fn kebab(name: &str) -> String {
    let mut s = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('-');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

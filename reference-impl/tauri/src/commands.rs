//! The plugin's commands (`plugin:eventwire|<name>`); their permissions are in `permissions/`.

use eventwire::{
    ErrorCode, FlowyError, RequestOptions,
    json_bridge::{self, JsonResponse},
};
use serde::Serialize;
use tauri::{
    Runtime, State, Webview,
    ipc::{Channel, InvokeBody, InvokeResponseBody, Request, Response},
};

use crate::state::{Answer, Eventwire, Sent, fault};

/// What `connect` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    /// The session's id, for the `eventwire-session` header of `send`.
    pub session: u64,
    /// The largest payload the dispatcher takes (SPEC.md section 10).
    pub max_payload_bytes: usize,
}

/// Opens a session for the calling page. `channel` carries the session's responses and
/// notifications, in order, each an encoded `StreamFrame`.
#[tauri::command]
pub(crate) fn connect<R: Runtime>(
    webview: Webview<R>,
    state: State<'_, Eventwire>,
    channel: Channel<InvokeResponseBody>,
) -> Connected {
    let window = webview.window().label().to_owned();
    let session = state.connect(webview.label(), &window, channel);
    Connected {
        session,
        max_payload_bytes: state.dispatcher().config().max_payload_bytes,
    }
}

/// Takes one `StreamFrame` (a `request` or a `cancel`) as the raw body, for the session named by
/// the `eventwire-session` header (SPEC.md REQ-TRANS-TAURI-2). A request is answered with its
/// response: `after` (u64, little endian: how many channel messages precede the response) then
/// the `StreamFrame{response}`; a refused frame with `0` then a `StreamFrame{fault}`; a cancel
/// with an empty body.
#[tauri::command]
pub(crate) async fn send<R: Runtime>(
    webview: Webview<R>,
    state: State<'_, Eventwire>,
    request: Request<'_>,
) -> Result<Response, ()> {
    let session = request
        .headers()
        .get(crate::SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let sent = match request.body() {
        InvokeBody::Raw(body) => state.send(webview.label(), session, body),
        // When a page goes away with an invoke in flight, Tauri's script sends it again through
        // its postMessage fallback, which turns the raw body into a JSON array of byte values:
        // the same frame, which must meet the same checks (it is refused, never run twice).
        InvokeBody::Json(serde_json::Value::Array(values))
            if values.iter().all(|v| v.as_u64().is_some_and(|b| b <= 255)) =>
        {
            let body: Vec<u8> = values
                .iter()
                .filter_map(|v| v.as_u64())
                .map(|b| b as u8)
                .collect();
            state.send(webview.label(), session, &body)
        }
        InvokeBody::Json(_) => Sent::Refused(fault(
            0,
            FlowyError::new(
                ErrorCode::InvalidRequest,
                "send: the body must be an encoded StreamFrame (raw bytes, or a JSON array of byte values)",
            ),
        )),
    };
    Ok(match sent {
        Sent::Accepted => Response::new(Vec::new()),
        Sent::Refused(fault) | Sent::Answered(fault) => Response::new(answer(0, fault)),
        Sent::Stale { window, fault } => {
            state.park(&window).await;
            Response::new(answer(0, fault))
        }
        Sent::Repeated { entry, id, fault } => {
            Response::new(answer(0, state.repeated(entry, id, fault).await))
        }
        Sent::Pending {
            entry,
            id,
            response,
        } => match state.response(entry, id, response).await {
            Answer::Response { after, frame } => Response::new(answer(after, frame)),
            Answer::Fault(fault) => Response::new(answer(0, fault)),
        },
    })
}

fn answer(after: u64, frame: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + frame.len());
    out.extend_from_slice(&after.to_le_bytes());
    out.extend_from_slice(&frame);
    out
}

/// Ends the calling page's session `session` (its requests in flight are cancelled). Ending a
/// session that has already ended does nothing.
#[tauri::command]
pub(crate) fn disconnect<R: Runtime>(
    webview: Webview<R>,
    state: State<'_, Eventwire>,
    session: u64,
) -> bool {
    state.disconnect(webview.label(), session)
}

/// The JSON bridge (SPEC.md section 13.4), as AppFlowy's front end calls it:
/// `invoke("invoke_request", {request: {ty, payload: [..]}})` answering `{code, payload: [..]}`.
/// Runs with the webview's capability set; no session, no cancellation, no notifications.
#[tauri::command]
pub(crate) async fn invoke_request<R: Runtime>(
    webview: Webview<R>,
    state: State<'_, Eventwire>,
    request: serde_json::Value,
) -> Result<JsonResponse, ()> {
    let mut options = RequestOptions::new();
    if let Some(caps) = state.capabilities_of(webview.label()) {
        options = options.capabilities(caps.clone());
    }
    Ok(json_bridge::dispatch_json_value_with(state.dispatcher(), request, options).await)
}

//! The JSON bridge, in the shape of a Tauri command: `{"ty": "<event>", "payload": [bytes]}` in
//! (also accepted wrapped as `{"request": {...}}`, as Tauri passes a named argument), and
//! `{"code": 0|1, "payload": [bytes]}` out, the bytes being exactly those of the binary
//! envelope. Binary transports are cheaper: JSON costs 3-4 bytes per payload byte.
//!
//! A Tauri application wires it as a command (with `#[tauri::command]` on the function and the
//! dispatcher in Tauri's managed state):
//!
//! ```
//! use eventwire::{Dispatcher, json_bridge::{JsonRequest, JsonResponse, dispatch_json}};
//!
//! async fn invoke_request(request: JsonRequest, dispatcher: &Dispatcher) -> Result<JsonResponse, ()> {
//!     Ok(dispatch_json(dispatcher, request).await)
//! }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! # let dispatcher = Dispatcher::builder().mount(eventwire_conformance_module::module()).build().unwrap();
//! let request: JsonRequest = serde_json::from_str(r#"{"ty": "Ping", "payload": []}"#).unwrap();
//! let response = invoke_request(request, &dispatcher).await.unwrap();
//! assert_eq!(serde_json::to_string(&response).unwrap(), r#"{"code":0,"payload":[10,4,112,111,110,103]}"#);
//! # }
//! ```

use eventwire_schema::pb::{ErrorCode, FlowyError};
use serde::{Deserialize, Serialize};

use crate::{
    dispatcher::Dispatcher,
    pipeline::{self, RequestOptions, RequestRef, error_response},
};

/// One request: the event name and its encoded input, as a list of byte values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonRequest {
    pub ty: String,
    /// Absent means empty, as in the binary envelope.
    #[serde(default)]
    pub payload: Vec<u8>,
}

/// One response: `code` is the `FFIStatusCode` number (0 OK, 1 ERR), `payload` the encoded output
/// or, for ERR, the encoded `FlowyError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonResponse {
    pub code: i32,
    pub payload: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Incoming {
    Wrapped { request: JsonRequest },
    Plain(JsonRequest),
}

/// Answers a request that has already been deserialised (e.g. by Tauri).
pub async fn dispatch_json(dispatcher: &Dispatcher, request: JsonRequest) -> JsonResponse {
    dispatch_json_with(dispatcher, request, RequestOptions::default()).await
}

/// As [`dispatch_json`], with request options.
pub async fn dispatch_json_with(
    dispatcher: &Dispatcher,
    request: JsonRequest,
    options: RequestOptions,
) -> JsonResponse {
    // The envelope is already taken apart: no need to encode it only to decode it again.
    let parts = RequestRef::new(&request.ty, &request.payload);
    let response = pipeline::run_parts(&dispatcher.inner, parts, options).await;
    JsonResponse {
        code: response.code,
        payload: response.payload,
    }
}

/// Answers a request given as a JSON value, in either accepted shape. A value of neither shape
/// is answered `{"code": 1, "payload": <FlowyError INVALID_REQUEST>}`.
pub async fn dispatch_json_value(
    dispatcher: &Dispatcher,
    request: serde_json::Value,
) -> JsonResponse {
    dispatch_json_value_with(dispatcher, request, RequestOptions::default()).await
}

/// As [`dispatch_json_value`], with request options (e.g. the capability set of the webview that
/// sent it).
pub async fn dispatch_json_value_with(
    dispatcher: &Dispatcher,
    request: serde_json::Value,
    options: RequestOptions,
) -> JsonResponse {
    match serde_json::from_value::<Incoming>(request) {
        Ok(Incoming::Wrapped { request } | Incoming::Plain(request)) => {
            dispatch_json_with(dispatcher, request, options).await
        }
        Err(e) => invalid(e),
    }
}

/// Answers a request given as JSON text, with JSON text. Malformed JSON is answered like any
/// other malformed request, never with a panic.
pub async fn dispatch_json_str(dispatcher: &Dispatcher, request: &str) -> String {
    let response = match serde_json::from_str::<Incoming>(request) {
        Ok(Incoming::Wrapped { request } | Incoming::Plain(request)) => {
            dispatch_json(dispatcher, request).await
        }
        Err(e) => invalid(e),
    };
    serde_json::to_string(&response).expect("a JsonResponse always serialises")
}

fn invalid(e: serde_json::Error) -> JsonResponse {
    let response = error_response(FlowyError::new(
        ErrorCode::InvalidRequest,
        format!(
            "request: not {{\"ty\": string, \"payload\": [bytes]}} (optionally wrapped in {{\"request\": ...}}): {e}"
        ),
    ));
    JsonResponse {
        code: response.code,
        payload: response.payload,
    }
}

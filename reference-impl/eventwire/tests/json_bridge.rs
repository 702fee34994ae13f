//! The JSON bridge (Tauri shape): the same bytes as the binary envelope, and a defined answer for
//! every malformed input.

mod common;

use common::*;
use eventwire::{
    ErrorCategory as Cat, ErrorCode as Code,
    json_bridge::{
        JsonRequest, JsonResponse, dispatch_json, dispatch_json_str, dispatch_json_value,
    },
};
use eventwire_sample_app::reference::pb;
use prost::Message;
use serde_json::json;

fn as_answer(r: &JsonResponse) -> Answer {
    answer(
        &pb::FfiResponse {
            payload: r.payload.clone(),
            code: r.code,
        }
        .encode_to_vec(),
    )
}

#[tokio::test]
async fn plain_and_wrapped_requests_give_the_binary_envelopes_bytes() {
    let d = dispatcher();
    let payload = recursive(3).encode_to_vec();
    let binary =
        pb::FfiResponse::decode(d.dispatch(&raw_request("Nest", &payload)).await.as_slice())
            .unwrap();
    let plain = dispatch_json_value(&d, json!({"ty": "Nest", "payload": payload})).await;
    let wrapped =
        dispatch_json_value(&d, json!({"request": {"ty": "Nest", "payload": payload}})).await;
    for r in [&plain, &wrapped] {
        assert_eq!((r.code, &r.payload), (binary.code, &binary.payload));
        let nest: pb::NestResultPb = assert_ok(as_answer(r));
        assert_eq!(nest.depth, 3);
    }
    // Text in, text out: `{"code":0,"payload":[8,3]}`.
    let text = dispatch_json_str(&d, &format!(r#"{{"ty":"Nest","payload":{payload:?}}}"#)).await;
    assert_eq!(text, r#"{"code":0,"payload":[8,3]}"#);
    // A missing payload is an empty one.
    let pong: pb::PongPb = assert_ok(as_answer(
        &dispatch_json_value(&d, json!({"ty": "Ping"})).await,
    ));
    assert_eq!(pong.message, "pong");
}

#[tokio::test]
async fn errors_come_back_as_code_one_with_an_encoded_flowy_error() {
    let d = dispatcher();
    let r = dispatch_json(
        &d,
        JsonRequest {
            ty: "Nope".into(),
            payload: vec![],
        },
    )
    .await;
    assert_eq!(r.code, 1);
    assert_err(as_answer(&r), Code::UnknownEvent, Cat::Unimplemented);
    let r = dispatch_json_value(&d, json!({"ty": "Nest", "payload": [8]})).await;
    assert_err(as_answer(&r), Code::ProtobufSerde, Cat::InvalidArgument);
}

#[tokio::test]
async fn malformed_json_is_invalid_request_never_a_panic() {
    let d = dispatcher();
    let texts = [
        "",
        "{",
        "null",
        "[]",
        r#"{"payload": [1]}"#,
        r#"{"ty": 5}"#,
        r#"{"ty": "Ping", "payload": [256]}"#,
        r#"{"ty": "Ping", "payload": [-1]}"#,
        r#"{"ty": "Ping", "payload": "AAE="}"#,
        r#"{"request": {"payload": []}}"#,
        "\u{0}",
    ];
    for text in texts {
        let out: JsonResponse = serde_json::from_str(&dispatch_json_str(&d, text).await).unwrap();
        assert_eq!(out.code, 1, "{text:?}");
        assert_err(as_answer(&out), Code::InvalidRequest, Cat::InvalidArgument);
    }
    // An empty event name passes JSON parsing and is refused by the pipeline, as in binary.
    let r = dispatch_json_value(&d, json!({"ty": ""})).await;
    assert_err(as_answer(&r), Code::InvalidRequest, Cat::InvalidArgument);
    assert_serving(&d).await;
}

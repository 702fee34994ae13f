//! Helpers shared by the integration tests: building dispatchers and reading responses.
#![allow(dead_code)]

use eventwire::{Config, Dispatcher, ErrorCategory, ErrorCode, FlowyError, RequestOptions};
use eventwire_sample_app::reference::pb;
use prost::Message;

/// A ready dispatcher with the sample app and the conformance module.
pub fn dispatcher() -> Dispatcher {
    dispatcher_with(Config::default())
}

pub fn dispatcher_with(config: Config) -> Dispatcher {
    let builder = eventwire_sample_app::reference::mount(Dispatcher::builder()).config(config);
    builder
        .build()
        .expect("the reference plugins cover the tables")
}

pub fn config(json: &str) -> Config {
    Config::from_json(json.as_bytes()).expect("valid test configuration")
}

pub fn request(event: &str, payload: impl Message) -> Vec<u8> {
    pb::FfiRequest {
        event: event.to_owned(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec()
}

pub fn raw_request(event: &str, payload: &[u8]) -> Vec<u8> {
    pb::FfiRequest {
        event: event.to_owned(),
        payload: payload.to_vec(),
    }
    .encode_to_vec()
}

/// A decoded response: OK with its payload, or the FlowyError of an ERR.
#[derive(Debug)]
pub enum Answer {
    Ok(Vec<u8>),
    Err(FlowyError),
}

/// Decodes a response, checking the protocol's invariants on the way: the status is OK or ERR
/// (never INTERNAL), an ERR payload is a FlowyError whose category is its code's category.
pub fn answer(response: &[u8]) -> Answer {
    let response = pb::FfiResponse::decode(response).expect("response decodes as FFIResponse");
    match pb::FfiStatusCode::try_from(response.code) {
        Ok(pb::FfiStatusCode::Ok) => Answer::Ok(response.payload),
        Ok(pb::FfiStatusCode::Err) => {
            let error = FlowyError::decode(response.payload.as_slice())
                .expect("ERR payload is a FlowyError");
            // The protocol's codes and the sample application's are the codes of this backend.
            let category = match ErrorCode::try_from(error.code) {
                Ok(code) => code.category(),
                Err(_) => pb::SampleErrorCode::try_from(error.code)
                    .map(eventwire::Code::category)
                    .expect("error code is declared by a schema of the backend"),
            };
            assert_eq!(
                error.category, category as i32,
                "category matches code in {error:?}"
            );
            Answer::Err(error)
        }
        other => panic!("backend sent status {other:?} ({})", response.code),
    }
}

pub async fn send(d: &Dispatcher, request: &[u8]) -> Answer {
    answer(&d.dispatch(request).await)
}

pub async fn send_with(d: &Dispatcher, request: &[u8], options: RequestOptions) -> Answer {
    answer(&d.dispatch_with(request, options).await)
}

/// Asserts an ERR with `code` and `category`, returning the error for further checks.
#[track_caller]
pub fn assert_err(answer: Answer, code: impl Into<i32>, category: ErrorCategory) -> FlowyError {
    let code = code.into();
    match answer {
        Answer::Err(e) => {
            assert_eq!(e.code, code, "code of {e:?}");
            assert_eq!(e.category, category as i32, "category of {e:?}");
            e
        }
        Answer::Ok(p) => panic!("expected ERR {code:?}, got OK with {p:?}"),
    }
}

/// Asserts OK and decodes the payload as `M`.
#[track_caller]
pub fn assert_ok<M: Message + Default>(answer: Answer) -> M {
    match answer {
        Answer::Ok(p) => M::decode(p.as_slice()).expect("OK payload decodes as the output type"),
        Answer::Err(e) => panic!("expected OK, got {e:?}"),
    }
}

/// A RecursivePB nested `levels` deep (top = 1).
pub fn recursive(levels: u32) -> pb::RecursivePb {
    let mut m = pb::RecursivePb {
        depth: levels,
        child: None,
    };
    for d in (1..levels).rev() {
        m = pb::RecursivePb {
            depth: d,
            child: Some(Box::new(m)),
        };
    }
    m
}

/// Proof that the dispatcher still serves: Ping answers pong.
pub async fn assert_serving(d: &Dispatcher) {
    let pong: pb::PongPb = assert_ok(send(d, &request("Ping", ())).await);
    assert_eq!(pong.message, "pong");
}

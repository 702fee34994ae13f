//! Property: whatever FFIRequest arrives (a table name or garbage, any payload bytes), the
//! dispatcher answers exactly one well-formed FFIResponse whose status and error code are the
//! schema's, and keeps serving.

mod common;

use std::sync::OnceLock;

use common::*;
use eventwire::Dispatcher;
use eventwire_sample_app::reference::pb;
use proptest::prelude::*;
use prost::Message;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn shared_dispatcher() -> &'static Dispatcher {
    static D: OnceLock<Dispatcher> = OnceLock::new();
    // Short deadlines so that arbitrary Sleep inputs finish quickly.
    D.get_or_init(|| {
        runtime()
            .block_on(async { dispatcher_with(config(r#"{"event_timeouts_ms": {"Sleep": 20}}"#)) })
    })
}

fn event_name() -> impl Strategy<Value = String> {
    let names: Vec<String> = eventwire_schema::tables()
        .events()
        .map(|e| e.name.clone())
        .collect();
    prop_oneof![
        3 => proptest::sample::select(names),
        1 => ".{0,20}",
        1 => "[A-Za-z]{1,12}",
    ]
}

/// Any bytes, or a valid-looking message: a run of well-formed fields of every wire type.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(
            (
                1u32..40,
                0u8..3,
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..8)
            ),
            0..8
        )
        .prop_map(|fields| {
            let mut out = Vec::new();
            for (number, kind, v, bytes) in fields {
                match kind {
                    0 => {
                        prost::encoding::encode_key(
                            number,
                            prost::encoding::WireType::Varint,
                            &mut out,
                        );
                        prost::encoding::encode_varint(v % 1500, &mut out);
                    }
                    1 => {
                        prost::encoding::encode_key(
                            number,
                            prost::encoding::WireType::ThirtyTwoBit,
                            &mut out,
                        );
                        out.extend_from_slice(&(v as u32).to_le_bytes());
                    }
                    _ => {
                        prost::encoding::encode_key(
                            number,
                            prost::encoding::WireType::LengthDelimited,
                            &mut out,
                        );
                        prost::encoding::encode_varint(bytes.len() as u64, &mut out);
                        out.extend_from_slice(&bytes);
                    }
                }
            }
            out
        }),
    ]
}

/// The envelope: a proper FFIRequest, or arbitrary bytes as the envelope itself.
fn envelope() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (event_name(), payload()).prop_map(|(event, payload)| pb::FfiRequest { event, payload }.encode_to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..48),
    ]
}

#[test]
fn every_request_gets_one_well_formed_response_and_the_dispatcher_keeps_serving() {
    let d = shared_dispatcher();
    let config = ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&envelope(), |request| {
        let bytes = runtime().block_on(d.dispatch(&request));
        let response = pb::FfiResponse::decode(bytes.as_slice()).expect("an FFIResponse");
        prop_assert!(
            response.code == pb::FfiStatusCode::Ok as i32
                || response.code == pb::FfiStatusCode::Err as i32
        );
        // `answer` checks that an ERR payload is a FlowyError with a schema code and its category.
        if let Answer::Err(e) = answer(&bytes) {
            prop_assert!(
                pb::ErrorCode::try_from(e.code).is_ok()
                    || pb::SampleErrorCode::try_from(e.code).is_ok()
            );
        }
        // Nothing else uses this dispatcher, so every place was released.
        prop_assert_eq!(d.in_flight(), 0);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    runtime().block_on(assert_serving(d));
}

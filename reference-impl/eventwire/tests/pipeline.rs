//! One test per outcome of the request pipeline (SPEC.md, "Routing and the request pipeline"),
//! in the pipeline's order. Each asserts the exact status, code and category, and that the
//! dispatcher keeps serving afterwards.

mod common;

use std::time::Duration;

use common::*;
use eventwire::{
    CancelHandle, Capabilities, ErrorCategory as Cat, ErrorCode as Code, RequestOptions,
};
use eventwire_sample_app::reference::events;
use eventwire_sample_app::reference::pb;
use prost::Message;

#[tokio::test]
async fn step1_undecodable_envelope_is_invalid_request() {
    let d = dispatcher();
    let mut invalid_utf8 = vec![0x0a, 0x02, 0xff, 0xfe];
    invalid_utf8.extend_from_slice(&[0x12, 0x00]);
    let cases: [&[u8]; 5] = [
        &[0x0a, 0x05, b'P', b'i'],       // truncated event
        &invalid_utf8,                   // event is not UTF-8
        &[0x08, 0x01],                   // field 1 as a varint: wrong wire type
        &[0x12, 0x80],                   // truncated length varint
        &[0xff, 0xff, 0xff, 0xff, 0xff], // garbage
    ];
    for bytes in cases {
        assert_err(
            send(&d, bytes).await,
            Code::InvalidRequest,
            Cat::InvalidArgument,
        );
    }
    assert_serving(&d).await;
}

/// The event name's UTF-8 is part of the envelope (step 1), whichever occurrence is wrong and
/// whatever a later step would say: a name that is not UTF-8 is never BACKEND_NOT_READY or
/// UNKNOWN_EVENT, and a valid prefix of a route's name does not make it routable.
#[tokio::test]
async fn step1_an_event_name_that_is_not_utf8_is_invalid_request_before_any_later_step() {
    let last_invalid: &[u8] = &[
        0x0a, 0x04, b'P', b'i', b'n', b'g', 0x0a, 0x05, b'P', b'i', b'n', b'g', 0xff,
    ];
    let first_invalid: &[u8] = &[0x0a, 0x01, 0xff, 0x0a, 0x04, b'P', b'i', b'n', b'g'];
    let ready = dispatcher();
    let not_ready = eventwire_sample_app::reference::mount(eventwire::Dispatcher::builder())
        .ready(false)
        .build()
        .unwrap();
    for d in [&ready, &not_ready] {
        for bytes in [last_invalid, first_invalid] {
            let e = assert_err(
                send(d, bytes).await,
                Code::InvalidRequest,
                Cat::InvalidArgument,
            );
            assert!(e.msg.contains("UTF-8"), "{}", e.msg);
        }
    }
    assert_serving(&ready).await;
}

#[tokio::test]
async fn step2_empty_event_is_invalid_request() {
    let d = dispatcher();
    let e = assert_err(
        send(&d, &raw_request("", &[])).await,
        Code::InvalidRequest,
        Cat::InvalidArgument,
    );
    assert!(e.msg.starts_with("event:"), "{}", e.msg);
    // Zero bytes are a valid FFIRequest with an empty event.
    assert_err(
        send(&d, &[]).await,
        Code::InvalidRequest,
        Cat::InvalidArgument,
    );
    assert_serving(&d).await;
}

#[tokio::test]
async fn step3_not_ready_is_backend_not_ready_until_set_ready() {
    let d = eventwire_sample_app::reference::mount(eventwire::Dispatcher::builder())
        .ready(false)
        .build()
        .unwrap();
    assert!(!d.is_ready());
    assert_err(
        send(&d, &request("Ping", ())).await,
        Code::BackendNotReady,
        Cat::Unavailable,
    );
    // Readiness is checked before routing: even an unknown event gets BACKEND_NOT_READY.
    assert_err(
        send(&d, &request("NoSuchEvent", ())).await,
        Code::BackendNotReady,
        Cat::Unavailable,
    );
    d.set_ready();
    assert_serving(&d).await;
}

#[tokio::test]
async fn step4_unknown_event_is_unknown_event_case_sensitively() {
    let d = dispatcher();
    for name in [
        "ping",
        "PING",
        "Ping ",
        " Ping",
        "NoSuchEvent",
        "conformance.Ping",
    ] {
        assert_err(
            send(&d, &request(name, ())).await,
            Code::UnknownEvent,
            Cat::Unimplemented,
        );
    }
    let long = "X".repeat(100_000);
    let e = assert_err(
        send(&d, &request(&long, ())).await,
        Code::UnknownEvent,
        Cat::Unimplemented,
    );
    assert!(e.msg.len() < 200, "an untrusted name is not echoed in full");
    assert_serving(&d).await;
}

#[tokio::test]
async fn step5_capability_check_denies_before_the_handler_runs() {
    let d = dispatcher_with(config(
        r#"{"capabilities": ["conformance.*", "user.GetUserProfile"]}"#,
    ));
    let sign_in = request(
        "SignIn",
        pb::SignInPayloadPb {
            email: "a@b.c".into(),
            password: "p".into(),
            name: "A".into(),
        },
    );
    assert_err(
        send(&d, &sign_in).await,
        Code::PermissionDenied,
        Cat::PermissionDenied,
    );
    // The handler did not run: nobody is signed in.
    assert_err(
        send(&d, &request("GetUserProfile", ())).await,
        pb::SampleErrorCode::UserNotSignedIn,
        Cat::Unauthenticated,
    );
    assert_serving(&d).await;

    // A request's own capability set replaces the configured one.
    let options =
        RequestOptions::new().capabilities(Capabilities::from_patterns(["user.SignIn"]).unwrap());
    let profile: pb::UserProfilePb = assert_ok(send_with(&d, &sign_in, options.clone()).await);
    assert_eq!(profile.id, 1);
    assert_err(
        send_with(&d, &request("Ping", ()), options).await,
        Code::PermissionDenied,
        Cat::PermissionDenied,
    );
    let none = RequestOptions::new().capabilities(Capabilities::none());
    assert_err(
        send_with(&d, &request("Ping", ()), none).await,
        Code::PermissionDenied,
        Cat::PermissionDenied,
    );
}

#[tokio::test]
async fn step6_payload_over_the_limit_is_payload_too_large() {
    let d = dispatcher_with(config(r#"{"max_payload_bytes": 8}"#));
    let at_limit = pb::NestedPb {
        a: 1,
        b: "12345".into(),
    }; // 2 + 7 = 9 bytes: over
    assert_eq!(at_limit.encoded_len(), 9);
    assert_err(
        send(&d, &request("Discard", at_limit)).await,
        Code::PayloadTooLarge,
        Cat::InvalidArgument,
    );
    let fits = pb::NestedPb {
        a: 1,
        b: "1234".into(),
    }; // 8 bytes: exactly the limit
    assert!(matches!(send(&d, &request("Discard", fits)).await, Answer::Ok(p) if p.is_empty()));
    // The size check comes before decoding: oversized garbage is too large, not a serde error.
    assert_err(
        send(&d, &raw_request("Discard", &[0xff; 9])).await,
        Code::PayloadTooLarge,
        Cat::InvalidArgument,
    );
    assert_serving(&d).await;
}

#[tokio::test]
async fn step7_over_the_in_flight_limit_is_overloaded_at_once() {
    let d = dispatcher_with(config(r#"{"max_in_flight": 2}"#));
    let long_sleep = request("Sleep", pb::SleepPayloadPb { millis: 60_000 });
    let cancels = [CancelHandle::new(), CancelHandle::new()];
    let mut held = Vec::new();
    for cancel in &cancels {
        let (d, req, cancel) = (d.clone(), long_sleep.clone(), cancel.clone());
        let options = RequestOptions::new()
            .cancel(cancel)
            .timeout(Duration::from_secs(3600));
        held.push(tokio::spawn(async move {
            answer(&d.dispatch_with(&req, options).await)
        }));
    }
    while d.in_flight() < 2 {
        tokio::task::yield_now().await;
    }
    assert_err(
        send(&d, &request("Ping", ())).await,
        Code::Overloaded,
        Cat::ResourceExhausted,
    );
    for cancel in &cancels {
        cancel.cancel();
    }
    for h in held {
        assert_err(h.await.unwrap(), Code::Cancelled, Cat::Cancelled);
    }
    assert_eq!(d.in_flight(), 0);
    assert_serving(&d).await;
}

#[tokio::test]
async fn step8_nesting_deeper_than_the_limit_is_nesting_too_deep() {
    let d = dispatcher();
    let ok: pb::NestResultPb = assert_ok(send(&d, &request("Nest", recursive(64))).await);
    assert_eq!(ok.depth, 64);
    assert_err(
        send(&d, &request("Nest", recursive(65))).await,
        Code::NestingTooDeep,
        Cat::InvalidArgument,
    );
    // Far deeper than prost's own recursion limit (100): still the depth check's answer.
    assert_err(
        send(&d, &request("Nest", recursive(500))).await,
        Code::NestingTooDeep,
        Cat::InvalidArgument,
    );
    assert_serving(&d).await;

    // At the highest configurable limit, prost still decodes every allowed depth.
    let d = dispatcher_with(config(r#"{"max_nesting_depth": 100}"#));
    let ok: pb::NestResultPb = assert_ok(send(&d, &request("Nest", recursive(100))).await);
    assert_eq!(ok.depth, 100);
    assert_err(
        send(&d, &request("Nest", recursive(101))).await,
        Code::NestingTooDeep,
        Cat::InvalidArgument,
    );
}

#[tokio::test]
async fn step9_payload_that_does_not_decode_is_protobuf_serde() {
    let d = dispatcher();
    let cases: [(&str, &[u8]); 4] = [
        ("Nest", &[0x08]),                   // truncated varint
        ("Echo", &[0x72, 0x02, 0xff, 0xfe]), // f_string (14) not UTF-8
        ("Echo", &[0x18, 0x05, 0x00]),       // f_int32 varint, then a stray tag 0
        ("Ping", &[0x0a, 0x09, 0x01]),       // no input, but the bytes are not a valid encoding
    ];
    for (event, payload) in cases {
        assert_err(
            send(&d, &raw_request(event, payload)).await,
            Code::ProtobufSerde,
            Cat::InvalidArgument,
        );
    }
    assert_serving(&d).await;
}

#[tokio::test]
async fn step9_decoding_is_lenient_as_protobuf_requires() {
    let d = dispatcher();
    // An event without input accepts and ignores any valid encoding.
    let pong: pb::PongPb = assert_ok(
        send(
            &d,
            &raw_request("Ping", &[0x08, 0x96, 0x01, 0x12, 0x01, b'x']),
        )
        .await,
    );
    assert_eq!(pong.message, "pong");
    // Unknown field 99 skipped; field 3 twice: last wins; unknown enum value 7 kept.
    let payload = [0x98, 0x06, 0x01, 0x18, 0x01, 0x18, 0x02, 0x80, 0x01, 0x07];
    let echo: pb::AllTypesPb = assert_ok(send(&d, &raw_request("Echo", &payload)).await);
    assert_eq!(echo.f_int32, 2);
    assert_eq!(echo.f_enum, 7);
    // Echo answers canonically: the unknown field dropped, each field once.
    assert_eq!(echo.encode_to_vec(), [0x18, 0x02, 0x80, 0x01, 0x07]);
}

#[tokio::test]
async fn step10_validation_in_the_handler_is_invalid_params_naming_the_field() {
    let d = dispatcher();
    let e = assert_err(
        send(
            &d,
            &request(
                "EmitNotifications",
                pb::EmitNotificationsPayloadPb {
                    count: 1001,
                    id: "x".into(),
                    as_error: false,
                },
            ),
        )
        .await,
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert_eq!(e.msg, "count: must be at most 1000");
    let e = assert_err(
        send(
            &d,
            &request(
                "ExportDocument",
                pb::ExportPayloadPb {
                    view_id: "  ".into(),
                    export_type: 0,
                },
            ),
        )
        .await,
        pb::SampleErrorCode::ViewIdIsInvalid,
        Cat::InvalidArgument,
    );
    assert_eq!(e.msg, "view_id: View id can not be empty or whitespace");
    assert_serving(&d).await;
}

#[tokio::test]
async fn step11_panic_is_internal_without_the_panic_text() {
    let d = dispatcher();
    let e = assert_err(
        send(
            &d,
            &request(
                "Panic",
                pb::PanicPayloadPb {
                    message: "secret detail".into(),
                },
            ),
        )
        .await,
        Code::Internal,
        Cat::Internal,
    );
    assert_eq!(e.msg, "handler for `Panic` panicked");
    assert_serving(&d).await;
    assert_eq!(
        d.in_flight(),
        0,
        "the panicked request released its in-flight place"
    );
}

#[tokio::test]
async fn step11_table_timeout_is_request_timeout() {
    let d = dispatcher();
    let e = assert_err(
        send(&d, &request("Sleep", pb::SleepPayloadPb { millis: 1000 })).await,
        Code::RequestTimeout,
        Cat::DeadlineExceeded,
    );
    assert!(
        e.msg.contains("200 ms"),
        "the table's 200 ms applies: {}",
        e.msg
    );
    let slept: pb::SleepResultPb =
        assert_ok(send(&d, &request("Sleep", pb::SleepPayloadPb { millis: 5 })).await);
    assert_eq!(slept.slept_millis, 5);
}

#[tokio::test]
async fn step11_per_event_config_overrides_the_table() {
    let d = dispatcher_with(config(r#"{"event_timeouts_ms": {"Sleep": 5000}}"#));
    // 300 ms is past the table's 200 ms but within the configured 5 s.
    let slept: pb::SleepResultPb =
        assert_ok(send(&d, &request("Sleep", pb::SleepPayloadPb { millis: 300 })).await);
    assert_eq!(slept.slept_millis, 300);
    let d = dispatcher_with(config(r#"{"event_timeouts_ms": {"Sleep": 2}}"#));
    let e = assert_err(
        send(&d, &request("Sleep", pb::SleepPayloadPb { millis: 1000 })).await,
        Code::RequestTimeout,
        Cat::DeadlineExceeded,
    );
    assert!(e.msg.contains("2 ms"), "{}", e.msg);
}

#[tokio::test]
async fn step11_per_request_override_beats_every_configured_deadline() {
    let d = dispatcher_with(config(r#"{"event_timeouts_ms": {"Sleep": 60000}}"#));
    let options = RequestOptions::new().timeout(Duration::from_millis(3));
    let e = assert_err(
        send_with(
            &d,
            &request("Sleep", pb::SleepPayloadPb { millis: 1000 }),
            options,
        )
        .await,
        Code::RequestTimeout,
        Cat::DeadlineExceeded,
    );
    assert!(e.msg.contains("3 ms"), "{}", e.msg);
    let options = RequestOptions::new().timeout(Duration::from_secs(60));
    let slept: pb::SleepResultPb = assert_ok(
        send_with(
            &d,
            &request("Sleep", pb::SleepPayloadPb { millis: 300 }),
            options,
        )
        .await,
    );
    assert_eq!(slept.slept_millis, 300);
    assert_serving(&d).await;
}

/// A document plugin whose GetDocument never finishes, for the backend default deadline (no
/// table timeout applies to GetDocument).
struct StuckDocuments;

impl eventwire_sample_app::handlers::document::DocumentHandlers for StuckDocuments {
    async fn get_document(
        &self,
        _: &eventwire::Context,
        _: pb::OpenDocumentContextPb,
    ) -> Result<pb::DocumentSnapshotPb, eventwire::FlowyError> {
        std::future::pending().await
    }
    async fn apply_edit(
        &self,
        _: &eventwire::Context,
        _: pb::EditPayloadPb,
    ) -> Result<(), eventwire::FlowyError> {
        Ok(())
    }
    async fn export_document(
        &self,
        _: &eventwire::Context,
        _: pb::ExportPayloadPb,
    ) -> Result<pb::ExportDataPb, eventwire::FlowyError> {
        Ok(pb::ExportDataPb::default())
    }
}

#[tokio::test]
async fn step11_backend_default_deadline_applies_without_any_other() {
    let d = eventwire::Dispatcher::builder()
        .config(config(r#"{"default_timeout_ms": 5}"#))
        .mount(eventwire_sample_app::handlers::user::Module(
            eventwire_sample_app::Users::default(),
        ))
        .mount(eventwire_sample_app::handlers::document::Module(
            StuckDocuments,
        ))
        .mount(eventwire_conformance_module::module())
        .build()
        .unwrap();
    let e = assert_err(
        send(
            &d,
            &request(
                "GetDocument",
                pb::OpenDocumentContextPb {
                    document_id: "d".into(),
                },
            ),
        )
        .await,
        Code::RequestTimeout,
        Cat::DeadlineExceeded,
    );
    assert!(e.msg.contains("5 ms"), "{}", e.msg);
    // Sleep keeps its table deadline (200 ms) although the default is 5 ms.
    let slept: pb::SleepResultPb =
        assert_ok(send(&d, &request("Sleep", pb::SleepPayloadPb { millis: 50 })).await);
    assert_eq!(slept.slept_millis, 50);
}

#[tokio::test]
async fn step11_cancellation_is_cancelled() {
    let d = dispatcher();
    let cancel = CancelHandle::new();
    let options = RequestOptions::new()
        .cancel(cancel.clone())
        .timeout(Duration::from_secs(3600));
    let pending = {
        let d = d.clone();
        tokio::spawn(async move {
            answer(
                &d.dispatch_with(
                    &request("Sleep", pb::SleepPayloadPb { millis: 60_000 }),
                    options,
                )
                .await,
            )
        })
    };
    while d.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    cancel.cancel();
    assert_err(pending.await.unwrap(), Code::Cancelled, Cat::Cancelled);
    // Cancelled before it was sent: answered CANCELLED without running.
    let cancelled = CancelHandle::new();
    cancelled.cancel();
    let options = RequestOptions::new().cancel(cancelled);
    assert_err(
        send_with(&d, &request("Ping", ()), options).await,
        Code::Cancelled,
        Cat::Cancelled,
    );
    assert_serving(&d).await;
}

#[tokio::test]
async fn step12_output_is_encoded_ok_and_no_output_is_empty() {
    let d = dispatcher();
    let mut all = pb::AllTypesPb {
        f_int32: -1,
        f_string: "é".into(),
        p_int32: Some(0),
        ..Default::default()
    };
    all.m_int32_string.insert(2, "b".into());
    all.m_int32_string.insert(1, "a".into());
    match send(&d, &request("Echo", all.clone())).await {
        Answer::Ok(bytes) => assert_eq!(bytes, all.encode_to_vec()),
        Answer::Err(e) => panic!("{e:?}"),
    }
    assert!(
        matches!(send(&d, &request("Discard", pb::NestedPb::default())).await, Answer::Ok(p) if p.is_empty())
    );
    // The typed API runs the same path.
    let pong = d.call::<events::Ping>(()).await.unwrap();
    assert_eq!(pong.message, "pong");
    let e = d
        .call::<events::Panic>(pb::PanicPayloadPb::default())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.category),
        (Code::Internal as i32, Cat::Internal as i32)
    );
}

/// A conformance-module stand-in whose handlers misbehave in the ways a plugin could.
struct Misbehaving;

impl eventwire::RawHandler for Misbehaving {
    fn start(
        &self,
        cx: eventwire::Context,
        _: &[u8],
    ) -> Result<eventwire::HandlerFuture, eventwire::FlowyError> {
        match cx.event() {
            // Wrong category for its code.
            "Echo" => Err(eventwire::FlowyError {
                code: Code::InvalidParams as i32,
                msg: "x".into(),
                payload: vec![],
                category: 0,
            }),
            // A code the schema does not know.
            "Ping" => Ok(Box::pin(async {
                Err(eventwire::FlowyError {
                    code: 999,
                    msg: String::new(),
                    payload: vec![],
                    category: 2,
                })
            })),
            // Panics before returning its future.
            "Nest" => panic!("synchronous panic"),
            _ => Ok(Box::pin(async { Ok(Vec::new()) })),
        }
    }
}

#[tokio::test]
async fn errors_from_plugins_are_normalised_and_synchronous_panics_caught() {
    let mut builder = eventwire_sample_app::mount(eventwire::Dispatcher::builder())
        .schema(&eventwire_conformance_module::SCHEMA);
    for event in eventwire_conformance_module::SCHEMA.events() {
        builder = builder.handle_raw(event.name, Misbehaving);
    }
    let d = builder.build().unwrap();
    let e = assert_err(
        send(&d, &request("Echo", ())).await,
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert_eq!(e.msg, "x");
    let e = assert_err(
        send(&d, &request("Ping", ())).await,
        Code::Internal,
        Cat::Internal,
    );
    assert!(e.msg.contains("999"), "{}", e.msg);
    let e = assert_err(
        send(&d, &request("Nest", ())).await,
        Code::Internal,
        Cat::Internal,
    );
    assert_eq!(e.msg, "handler for `Nest` panicked");
    assert!(matches!(send(&d, &request("Discard", ())).await, Answer::Ok(p) if p.is_empty()));
}

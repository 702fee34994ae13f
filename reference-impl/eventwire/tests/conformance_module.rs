//! Every event of the `conformance` module, as the protocol fixes it.

mod common;

use common::*;
use eventwire::{ErrorCategory as Cat, ErrorCode as Code, Outbound, RequestOptions, SessionConfig};
use eventwire_sample_app::reference::events;
use eventwire_sample_app::reference::pb;
use prost::Message;

#[tokio::test]
async fn echo_answers_its_input_canonically() {
    let d = dispatcher();
    let mut all = pb::AllTypesPb {
        f_double: 1.5,
        f_float: -2.25,
        f_int32: -7,
        f_int64: i64::MIN,
        f_uint32: u32::MAX,
        f_uint64: u64::MAX,
        f_sint32: -3,
        f_sint64: -4,
        f_fixed32: 5,
        f_fixed64: 6,
        f_sfixed32: -8,
        f_sfixed64: -9,
        f_bool: true,
        f_string: "ünïcode".into(),
        f_bytes: vec![0, 255],
        f_enum: pb::ConformanceEnum::Negative as i32,
        f_nested: Some(pb::NestedPb {
            a: 0,
            b: String::new(),
        }),
        r_int32_packed: vec![1, -1],
        r_int32_unpacked: vec![2, 3],
        r_sint64_packed: vec![-5],
        r_double_packed: vec![0.5],
        r_string: vec!["a".into(), String::new()],
        r_bytes: vec![vec![1]],
        r_nested: vec![pb::NestedPb {
            a: 1,
            b: "n".into(),
        }],
        r_enum: vec![1, 2],
        p_int32: Some(0),
        p_string: Some(String::new()),
        p_enum: Some(0),
        p_bool: Some(false),
        choice: Some(pb::all_types_pb::Choice::ONested(pb::NestedPb::default())),
        ..Default::default()
    };
    all.m_string_int32.insert("z".into(), 1);
    all.m_string_int32.insert("a".into(), 2);
    all.m_uint64_bytes.insert(9, vec![9]);
    all.m_bool_enum.insert(true, 2);
    all.m_string_nested.insert(
        "k".into(),
        pb::NestedPb {
            a: 3,
            b: "v".into(),
        },
    );
    let answer = send(&d, &request("Echo", all.clone())).await;
    let Answer::Ok(bytes) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(bytes, all.encode_to_vec());
    assert_eq!(pb::AllTypesPb::decode(bytes.as_slice()).unwrap(), all);
    // Non-canonical input (fields out of order, an unknown field) comes back canonical.
    let answer = send(
        &d,
        &raw_request("Echo", &[0x68, 0x01, 0xa0, 0x1f, 0x05, 0x18, 0x07]),
    )
    .await;
    let Answer::Ok(bytes) = answer else { panic!() };
    assert_eq!(bytes, [0x18, 0x07, 0x68, 0x01]);
}

#[tokio::test]
async fn raise_error_answers_exactly_the_error_given() {
    let d = dispatcher();
    // A protocol code or one the sample application's schema declares: any declared code goes.
    for (code, category) in [
        (Code::RecordNotFound as i32, Code::RecordNotFound.category()),
        (Code::Overloaded as i32, Code::Overloaded.category()),
        (Code::Internal as i32, Code::Internal.category()),
        (
            pb::SampleErrorCode::UserNotSignedIn as i32,
            Cat::Unauthenticated,
        ),
        (Code::RequestTimeout as i32, Code::RequestTimeout.category()),
    ] {
        let input = pb::RaiseErrorPayloadPb {
            code,
            msg: format!("m {code:?}"),
            payload: vec![1, 2, 3],
        };
        let e = assert_err(
            send(&d, &request("RaiseError", input)).await,
            code,
            category,
        );
        assert_eq!((e.msg, e.payload), (format!("m {code:?}"), vec![1, 2, 3]));
    }
    let e = assert_err(
        send(
            &d,
            &request(
                "RaiseError",
                pb::RaiseErrorPayloadPb {
                    code: 77,
                    msg: String::new(),
                    payload: vec![],
                },
            ),
        )
        .await,
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert_eq!(e.msg, "code: unknown error code 77");
}

#[tokio::test]
async fn panic_is_internal() {
    let d = dispatcher();
    let e = d
        .call::<events::Panic>(pb::PanicPayloadPb {
            message: "boom".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.category, e.msg.as_str()),
        (
            Code::Internal as i32,
            Cat::Internal as i32,
            "handler for `Panic` panicked"
        )
    );
    assert_serving(&d).await;
}

#[tokio::test]
async fn sleep_answers_within_its_deadline_and_times_out_past_it() {
    let d = dispatcher();
    let slept = d
        .call::<events::Sleep>(pb::SleepPayloadPb { millis: 50 })
        .await
        .unwrap();
    assert_eq!(slept.slept_millis, 50);
    let slept = d
        .call::<events::Sleep>(pb::SleepPayloadPb { millis: 0 })
        .await
        .unwrap();
    assert_eq!(slept.slept_millis, 0);
    let e = d
        .call::<events::Sleep>(pb::SleepPayloadPb { millis: 1000 })
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.category),
        (Code::RequestTimeout as i32, Cat::DeadlineExceeded as i32)
    );
}

#[tokio::test]
async fn emit_notifications_emits_then_answers_and_limits_count() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    let input = pb::EmitNotificationsPayloadPb {
        count: 3,
        id: "abc".into(),
        as_error: false,
    };
    session.submit(
        1,
        request("EmitNotifications", input),
        RequestOptions::default(),
    );
    for index in 0..3 {
        let Some(Outbound::Notification {
            seq,
            subscribe_object,
        }) = rx.recv().await
        else {
            panic!()
        };
        let o = pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
        assert_eq!(
            (o.source.as_str(), o.ty, o.id.as_str(), seq),
            ("conformance", 1, "abc", u64::from(index) + 1)
        );
        let Some(pb::subscribe_object::PayloadOneof::Payload(p)) = o.payload_oneof else {
            panic!()
        };
        assert_eq!(
            pb::TickPb::decode(p.as_slice()).unwrap(),
            pb::TickPb {
                index,
                id: "abc".into()
            }
        );
    }
    let Some(Outbound::Response {
        request_id: 1,
        response,
    }) = rx.recv().await
    else {
        panic!()
    };
    let result: pb::EmitNotificationsResultPb = assert_ok(answer(&response));
    assert_eq!(result.emitted, 3);

    let input = pb::EmitNotificationsPayloadPb {
        count: 1001,
        id: "abc".into(),
        as_error: false,
    };
    let e = assert_err(
        send(&d, &request("EmitNotifications", input)).await,
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert_eq!(e.msg, "count: must be at most 1000");
    let result = d
        .call::<events::EmitNotifications>(pb::EmitNotificationsPayloadPb {
            count: 1000,
            id: String::new(),
            as_error: true,
        })
        .await
        .unwrap();
    assert_eq!(result.emitted, 1000);
}

#[tokio::test]
async fn ping_discard_and_nest() {
    let d = dispatcher();
    assert_eq!(
        d.call::<events::Ping>(()).await.unwrap(),
        pb::PongPb {
            message: "pong".into()
        }
    );
    let answer = send(
        &d,
        &request(
            "Discard",
            pb::NestedPb {
                a: 5,
                b: "x".into(),
            },
        ),
    )
    .await;
    assert!(matches!(answer, Answer::Ok(p) if p.is_empty()));
    for levels in [1, 2, 10, 64] {
        assert_eq!(
            d.call::<events::Nest>(recursive(levels))
                .await
                .unwrap()
                .depth,
            levels
        );
    }
    // An empty payload is a RecursivePB with no child: one level.
    assert_eq!(
        d.call::<events::Nest>(pb::RecursivePb::default())
            .await
            .unwrap()
            .depth,
        1
    );
}

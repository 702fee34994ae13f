//! Feeds arbitrary bytes, as one received notification, to the receiving side of the
//! conformance reference binding (its `route_notifications` operation), with listeners on
//! several (source, ty, id) addresses.
//!
//! Checks against an independent reading of SPEC.md section 9 with prost: bytes that are not a
//! `SubscribeObject`, or that carry both or neither of payload and error, are reported malformed
//! and delivered to nobody; a well-formed notification reaches exactly the listeners whose
//! source, ty and (if set) id match, in ascending listener order, carrying an error exactly when
//! it carries one; no panic anywhere.

#![no_main]

use eventwire_conformance::reference::Reference;
use eventwire_schema::{
    pb::{SubscribeObject, subscribe_object},
    testee_pb::{
        self, Case, Listener, RouteNotificationsOp, TesteeRequest, TesteeResponse, case,
        case_result, delivery, testee_request, testee_response,
    },
};
use libfuzzer_sys::fuzz_target;
use prost::Message;

fn listener(listener: u32, source: &str, ty: i32, id: Option<&str>) -> Listener {
    Listener { listener, source: source.into(), ty, id: id.map(Into::into) }
}

fn listeners() -> Vec<Listener> {
    vec![
        listener(1, "conformance", 1, None),
        listener(2, "user", 1, None),
        listener(3, "document", 1, Some("doc-1")),
        listener(4, "conformance", 1, Some("")),
        listener(5, "user", 2, Some("1")),
    ]
}

fuzz_target!(|data: &[u8]| {
    let request = TesteeRequest {
        kind: Some(testee_request::Kind::Case(Case {
            name: "fuzz".into(),
            op: Some(case::Op::RouteNotifications(RouteNotificationsOp {
                listeners: listeners(),
                notifications: vec![data.to_vec()],
            })),
        })),
    };
    let answer = Reference::default().answer_bytes(&request.encode_to_vec());
    let answer = TesteeResponse::decode(answer.as_slice()).expect("a TesteeResponse");
    let Some(testee_response::Kind::Case(testee_pb::CaseResult {
        result: Some(case_result::Result::Routed(routed)),
    })) = answer.kind
    else {
        panic!("route_notifications answered {answer:?}");
    };

    let well_formed = SubscribeObject::decode(data).ok().filter(|n| {
        n.payload_oneof.is_some() != n.error_oneof.is_some()
    });
    let Some(n) = well_formed else {
        assert_eq!(routed.malformed, [0], "malformed notifications are reported");
        assert!(routed.deliveries.is_empty(), "a malformed notification reached a listener");
        return;
    };
    let expected: Vec<u32> = listeners()
        .iter()
        .filter(|l| l.source == n.source && l.ty == n.ty && l.id.as_ref().is_none_or(|id| *id == n.id))
        .map(|l| l.listener)
        .collect();
    if routed.malformed == [0] {
        // Well-formed envelope whose payload or error does not decode: delivered to nobody.
        assert!(!expected.is_empty(), "only a notification someone listens to is decoded further");
        assert!(routed.deliveries.is_empty());
        return;
    }
    assert!(routed.malformed.is_empty());
    let delivered: Vec<u32> = routed.deliveries.iter().map(|d| d.listener).collect();
    assert_eq!(delivered, expected, "deliveries for {n:?}");
    for d in &routed.deliveries {
        assert_eq!(d.notification, 0);
        let is_error = matches!(d.content, Some(delivery::Content::Error(_)));
        assert_eq!(
            is_error,
            matches!(n.error_oneof, Some(subscribe_object::ErrorOneof::Error(_))),
            "delivered content kind"
        );
    }
});

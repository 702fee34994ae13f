//! Decodes arbitrary bytes as each envelope a transport carries (FFIRequest, FFIResponse,
//! FlowyError, SubscribeObject, StreamFrame) with prost, the reference's decoder.
//!
//! Checks, for every input: no panic, no abort; prost and prost-reflect (the dynamic decoder the
//! conformance reference binding uses) agree on whether the bytes are a valid encoding; and a
//! decoded message re-encodes to bytes that decode to the same message and encode to themselves
//! (the canonical form is a fixed point).

#![no_main]

use eventwire_schema::{descriptor_pool, pb};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use prost_reflect::DynamicMessage;

fn check<M: Message + Default + PartialEq + std::fmt::Debug>(name: &str, data: &[u8]) -> Option<M> {
    let typed = M::decode(data);
    let desc = descriptor_pool()
        .get_message_by_name(name)
        .expect("the envelope types are in the descriptor pool");
    let dynamic = DynamicMessage::decode(desc, data);
    assert_eq!(
        typed.is_ok(),
        dynamic.is_ok(),
        "{name}: prost says {:?}, prost-reflect says {:?}",
        typed.as_ref().err(),
        dynamic.as_ref().err()
    );
    let message = typed.ok()?;
    let canonical = message.encode_to_vec();
    let again = M::decode(canonical.as_slice()).expect("a re-encoded message decodes");
    assert_eq!(again, message, "{name}: re-encoding changed the message");
    assert_eq!(again.encode_to_vec(), canonical, "{name}: encoding is not a fixed point");
    Some(message)
}

fuzz_target!(|data: &[u8]| {
    check::<pb::FfiRequest>("eventwire.v1.FFIRequest", data);
    if let Some(response) = check::<pb::FfiResponse>("eventwire.v1.FFIResponse", data) {
        // What a receiver does with the status: known or not, it must not panic.
        let _ = pb::FfiStatusCode::try_from(response.code);
    }
    if let Some(error) = check::<pb::FlowyError>("eventwire.v1.FlowyError", data) {
        if let Ok(code) = pb::ErrorCode::try_from(error.code) {
            let _ = code.category();
        }
    }
    check::<pb::SubscribeObject>("eventwire.v1.SubscribeObject", data);
    check::<pb::StreamFrame>("eventwire.v1.StreamFrame", data);
});

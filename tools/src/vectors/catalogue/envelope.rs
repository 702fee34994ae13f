//! The envelopes themselves, field by field: what every transport carries.

use serde_json::{Value as Json, json};

use super::spec::*;
use super::{Body, Def, def};

const F: &str = "envelope.yaml";

fn e(
    name: &str,
    description: &str,
    spec: &[&'static str],
    tags: &[&'static str],
    ty: &'static str,
    value: Json,
) -> Def {
    let mut tags = tags.to_vec();
    tags.insert(0, "envelope");
    def(
        F,
        name,
        description,
        spec,
        &tags,
        Body::Encode { ty, value },
    )
}

pub fn defs() -> Vec<Def> {
    vec![
        e(
            "ffirequest-empty",
            "An FFIRequest with nothing set encodes to no bytes (and is rejected by a backend: empty event).",
            &[ENV_REQUEST],
            &[],
            "eventwire.v1.FFIRequest",
            json!({}),
        ),
        e(
            "ffirequest-event-only",
            "An event without input: only field 1.",
            &[ENV_REQUEST],
            &[],
            "eventwire.v1.FFIRequest",
            json!({"event": "Ping"}),
        ),
        e(
            "ffirequest-event-and-payload",
            "Event and payload (NestedPB{a: 150}).",
            &[ENV_REQUEST],
            &[],
            "eventwire.v1.FFIRequest",
            json!({"event": "Discard", "payload": "CJYB"}),
        ),
        e(
            "ffirequest-utf8-event",
            "An event name is any UTF-8 string on the wire (routing then rejects it).",
            &[ENV_REQUEST],
            &["utf8"],
            "eventwire.v1.FFIRequest",
            json!({"event": "Événement"}),
        ),
        e(
            "ffiresponse-ok-empty",
            "OK with an empty payload (event without output): both fields at their default, so no bytes at all.",
            &[ENV_RESPONSE],
            &["defaults"],
            "eventwire.v1.FFIResponse",
            json!({}),
        ),
        e(
            "ffiresponse-ok-payload",
            "OK with an output (PongPB{message: \"pong\"}): field 2 is the default and is left out.",
            &[ENV_RESPONSE],
            &[],
            "eventwire.v1.FFIResponse",
            json!({"payload": "CgRwb25n"}),
        ),
        e(
            "ffiresponse-err",
            "ERR with an encoded FlowyError{UNKNOWN_EVENT, \"x\", category UNIMPLEMENTED}.",
            &[ENV_RESPONSE, ENV_ERROR_PAYLOAD],
            &[],
            "eventwire.v1.FFIResponse",
            json!({"payload": "CMgBEgF4IAM=", "code": "FFI_STATUS_CODE_ERR"}),
        ),
        e(
            "ffiresponse-internal-status",
            "Status INTERNAL (2), never sent by a backend; a receiver treats it as ERR.",
            &[ENV_RESPONSE, ENV_STATUS_UNKNOWN],
            &[],
            "eventwire.v1.FFIResponse",
            json!({"payload": "EgF4IAk=", "code": "FFI_STATUS_CODE_INTERNAL"}),
        ),
        e(
            "flowyerror-internal",
            "Code INTERNAL is 0, the default: only msg and category are written.",
            &[ENV_CATEGORY, ERR_MODEL],
            &["defaults"],
            "eventwire.v1.FlowyError",
            json!({"msg": "handler for `Panic` panicked", "category": "ERROR_CATEGORY_INTERNAL"}),
        ),
        e(
            "flowyerror-full",
            "Every field of FlowyError set.",
            &[ENV_CATEGORY, ERR_MODEL],
            &[],
            "eventwire.v1.FlowyError",
            json!({"code": "ERROR_CODE_INVALID_PARAMS", "msg": "view_id: View id can not be empty or whitespace", "payload": "AQI=", "category": "ERROR_CATEGORY_INVALID_ARGUMENT"}),
        ),
        e(
            "flowyerror-two-byte-code",
            "A code above 127 takes a two-byte varint (NESTING_TOO_DEEP = 205).",
            &[ENV_CATEGORY, ERR_MODEL],
            &["varint"],
            "eventwire.v1.FlowyError",
            json!({"code": "ERROR_CODE_NESTING_TOO_DEEP", "msg": "m", "category": "ERROR_CATEGORY_INVALID_ARGUMENT"}),
        ),
        e(
            "subscribeobject-payload",
            "A notification with a payload and a sequence number.",
            &[NOTIF_SHAPE],
            &["notification"],
            "eventwire.v1.SubscribeObject",
            json!({"source": "document", "ty": 1, "id": "d", "payload": "CgFk", "seq": "1"}),
        ),
        e(
            "subscribeobject-empty-payload",
            "The payload arm set to empty bytes is written (oneof: explicit presence).",
            &[NOTIF_SHAPE, ENC_DEFAULTS],
            &["notification", "oneof", "defaults"],
            "eventwire.v1.SubscribeObject",
            json!({"source": "conformance", "ty": 1, "payload": ""}),
        ),
        e(
            "subscribeobject-error",
            "A notification carrying an error.",
            &[NOTIF_SHAPE],
            &["notification"],
            "eventwire.v1.SubscribeObject",
            json!({"source": "conformance", "ty": 1, "id": "e", "error": "EgZ0aWNrIDAgCQ==", "seq": "18446744073709551615"}),
        ),
        e(
            "subscribeobject-negative-ty",
            "ty is an int32: a negative value is a 10-byte varint.",
            &[NOTIF_SHAPE, ENC_VARINT],
            &["notification", "varint"],
            "eventwire.v1.SubscribeObject",
            json!({"source": "x", "ty": -1, "payload": "AA=="}),
        ),
        e(
            "streamframe-request",
            "Stream frame: a request with id and per-request timeout.",
            &[ENV_STREAM],
            &["stream"],
            "eventwire.v1.StreamFrame",
            json!({"request": {"id": "1", "request": "CgRQaW5n", "timeoutMs": 250}}),
        ),
        e(
            "streamframe-request-empty",
            "Stream frame: the request arm set to an empty StreamRequest (id 0: a fault).",
            &[ENV_STREAM],
            &["stream", "defaults"],
            "eventwire.v1.StreamFrame",
            json!({"request": {}}),
        ),
        e(
            "streamframe-response",
            "Stream frame: a response.",
            &[ENV_STREAM],
            &["stream"],
            "eventwire.v1.StreamFrame",
            json!({"response": {"id": "300", "response": "CgRwb25n"}}),
        ),
        e(
            "streamframe-notification",
            "Stream frame: a notification.",
            &[ENV_STREAM],
            &["stream", "notification"],
            "eventwire.v1.StreamFrame",
            json!({"notification": {"source": "user", "ty": 2, "id": "1", "payload": "CAE=", "seq": "7"}}),
        ),
        e(
            "streamframe-cancel",
            "Stream frame: a cancel.",
            &[ENV_STREAM],
            &["stream"],
            "eventwire.v1.StreamFrame",
            json!({"cancel": {"id": "18446744073709551615"}}),
        ),
        e(
            "streamframe-fault-closing",
            "Stream frame: a closing fault (PAYLOAD_TOO_LARGE).",
            &[ENV_STREAM],
            &["stream"],
            "eventwire.v1.StreamFrame",
            json!({"fault": {"error": "CFoSAXggAQ==", "closing": true}}),
        ),
        e(
            "streamframe-fault",
            "Stream frame: a fault naming the request id.",
            &[ENV_STREAM],
            &["stream"],
            "eventwire.v1.StreamFrame",
            json!({"fault": {"id": "5", "error": "CGoSAXggAQ=="}}),
        ),
        e(
            "streamframe-handshake-empty",
            "Stream frame: a handshake with nothing set (kind 6, an empty StreamHandshake): the frame a backend without the handshake answers with a fault.",
            &[ENV_STREAM, VER_HANDSHAKE],
            &["stream", "handshake", "defaults"],
            "eventwire.v1.StreamFrame",
            json!({"handshake": {}}),
        ),
        e(
            "streamframe-handshake-version-only",
            "Stream frame: a handshake announcing protocol version 1 and no modules.",
            &[ENV_STREAM, VER_HANDSHAKE],
            &["stream", "handshake"],
            "eventwire.v1.StreamFrame",
            json!({"handshake": {"protocolVersion": 1}}),
        ),
        e(
            "streamframe-handshake-ping-module",
            "Stream frame: the handshake of a schema whose one module, conformance, holds only Ping: the event's fingerprint is SPEC.md section 16.5's example (aebc1ed2...), the module's the SHA-256 of `eventwire-fingerprint-v1`, `module conformance`, `event 905 Ping aebc1ed2...` (08ad603c...).",
            &[ENV_STREAM, VER_HANDSHAKE, VER_FINGERPRINT],
            &["stream", "handshake"],
            "eventwire.v1.StreamFrame",
            json!({"handshake": {"protocolVersion": 1, "modules": [{
                "name": "conformance",
                "fingerprint": "CK1gPN/oue6aeZNy8wMDVdPfLG+OoUM5fvX3PyGUDII=",
                "events": [{"name": "Ping", "id": 905, "fingerprint": "rrwe0l/y5kIeO/lrlyV2qZWU/eLCThziuLSy+xpXDpI="}]
            }]}}),
        ),
    ]
}

//! Every notification kind of the tables, as the encoded SubscribeObject a front end receives.

use eventwire_schema::{pb::ErrorCode, tables};
use serde_json::json;

use super::spec::*;
use super::{Arm, Body, Def, def};

const F: &str = "notification.yaml";

pub fn defs() -> Vec<Def> {
    let mut defs = Vec::new();
    for n in tables().notifications() {
        let source: &'static str = n.source.clone().leak();
        let (id, payload): (&'static str, _) = match (n.source.as_str(), n.ty) {
            ("user", _) => (
                "1",
                json!({"id": "1", "email": "ada@example.org", "name": "Ada", "token": super::dispatch::token(1, "ada@example.org")}),
            ),
            ("document", 1) => (
                "notes",
                json!({"documentId": "notes", "content": "héllo", "revision": "1"}),
            ),
            ("conformance", 1) => ("req-1", json!({"index": 1, "id": "req-1"})),
            (s, ty) => panic!("catalogue: no sample for notification ({s}, {ty})"),
        };
        defs.push(def(
            F,
            format!("{}-{}-payload", n.source, super::events::kebab(&n.name)),
            format!(
                "{} ({}, ty {}) with its {} payload.",
                n.name,
                n.source,
                n.ty,
                n.payload.name()
            ),
            &[NOTIF_SHAPE],
            &["notification"],
            Body::Notification {
                source,
                ty: n.ty,
                id,
                seq: 1,
                arm: Arm::Payload(payload),
            },
        ));
    }
    defs.push(def(
        F,
        "conformance-tick-error",
        "Tick with the error arm, as EmitNotifications{as_error: true} emits it (index 0).",
        &[NOTIF_SHAPE, MOD_EMIT],
        &["notification", "error"],
        Body::Notification {
            source: "conformance",
            ty: 1,
            id: "req-1",
            seq: 2,
            arm: Arm::Error {
                code: ErrorCode::Internal,
                msg: "tick 0".into(),
            },
        },
    ));
    defs.push(def(
        F,
        "conformance-tick-index-zero",
        "Tick index 0: its payload is the empty TickPB when the id is empty too, and the arm is still written.",
        &[NOTIF_SHAPE, ENC_DEFAULTS],
        &["notification", "oneof", "defaults"],
        Body::Notification { source: "conformance", ty: 1, id: "", seq: 300, arm: Arm::Payload(json!({})) },
    ));
    defs
}

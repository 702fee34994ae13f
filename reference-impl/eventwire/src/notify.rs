//! The notification center: handlers (and any other code holding a [`Notifier`]) emit
//! `SubscribeObject`s keyed by (source, ty, id); every subscribed session receives each one, in
//! emission order, numbered with its own `seq`.

use std::sync::{Arc, Mutex, Weak};

use eventwire_schema::pb::{FlowyError, SubscribeObject, subscribe_object};
use prost::Message;

use crate::{catalog::Catalog, sync::lock};

/// One notification kind of the tables, as a type. `eventwire-build` generates one for every
/// notification of the app's tables, in the generated `notifications` module.
pub trait NotificationKind: Send + Sync + 'static {
    const NAME: &'static str;
    /// The `source` it is sent with (its module).
    const SOURCE: &'static str;
    /// The `ty` it is sent with, unique within `SOURCE` only.
    const TY: i32;
    type Payload: Message;
}

/// What the center delivers to: a session's outbound queue. The center knows subscribers only
/// through this, so the notification path does not depend on the session's code.
pub(crate) trait Subscriber: Send + Sync {
    /// Numbers and queues (or drops) one notification; `false` once the subscriber will never
    /// deliver anything again, so the center can forget it.
    fn deliver_notification(&self, object: &Unnumbered) -> bool;
}

/// What a notification carries: exactly one of a payload message and an error.
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationBody {
    /// The encoded payload message the tables declare for (source, ty).
    Payload(Vec<u8>),
    /// A failure instead of a payload; its category is set from its code when sent.
    Error(FlowyError),
}

/// A (source, ty) pair none of the dispatcher's schemas declares.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "notification (source `{source_name}`, ty {ty}) is not declared by any schema of the dispatcher"
)]
pub struct UndeclaredNotification {
    pub source_name: String,
    pub ty: i32,
}

/// Holds the subscribers. Emission takes one lock for the whole fan-out, so two notifications
/// reach every subscriber in the same order: the order in which they were emitted.
pub(crate) struct NotificationCenter {
    subscribers: Mutex<Vec<Weak<dyn Subscriber>>>,
    catalog: Arc<Catalog>,
}

impl NotificationCenter {
    pub(crate) fn new(catalog: Arc<Catalog>) -> Self {
        NotificationCenter {
            subscribers: Mutex::new(Vec::new()),
            catalog,
        }
    }

    pub(crate) fn subscribe(&self, subscriber: Weak<dyn Subscriber>) {
        lock(&self.subscribers).push(subscriber);
    }

    fn emit(&self, object: &SubscribeObject) {
        let mut subscribers = lock(&self.subscribers);
        if subscribers.is_empty() {
            return;
        }
        // Encoded once for every subscriber; each appends its own `seq`.
        let unnumbered = Unnumbered::new(object);
        // Sessions that are gone, or closed with nothing left to answer, are forgotten here.
        subscribers.retain(|s| {
            s.upgrade()
                .is_some_and(|s| s.deliver_notification(&unnumbered))
        });
    }
}

/// An encoded `SubscribeObject` without its `seq`. `seq` is the message's last field (6), so
/// the canonical encoding of the object numbered `n` is these bytes followed by field 6 = `n`:
/// each subscriber pays one buffer, not a clone and a re-encoding of the whole object.
pub(crate) struct Unnumbered(Vec<u8>);

impl Unnumbered {
    const SEQ_KEY: u8 = 6 << 3; // field 6, varint

    pub(crate) fn new(object: &SubscribeObject) -> Self {
        debug_assert_eq!(object.seq, 0, "numbered per subscriber");
        Unnumbered(object.encode_to_vec())
    }

    /// The length of [`numbered`](Self::numbered)`(seq)`, without building it.
    pub(crate) fn numbered_len(&self, seq: u64) -> usize {
        self.0.len()
            + if seq == 0 {
                0
            } else {
                1 + prost::encoding::encoded_len_varint(seq)
            }
    }

    /// The encoded object with `seq` set (a positive number).
    pub(crate) fn numbered(&self, seq: u64) -> Vec<u8> {
        let mut bytes =
            Vec::with_capacity(self.0.len() + 1 + prost::encoding::encoded_len_varint(seq));
        bytes.extend_from_slice(&self.0);
        if seq != 0 {
            bytes.push(Self::SEQ_KEY);
            prost::encoding::encode_varint(seq, &mut bytes);
        }
        bytes
    }
}

/// The `source` of a drop marker (SPEC.md REQ-NOTIF-17): empty, which no module's name can be.
pub const DROP_MARKER_SOURCE: &str = "";
/// The `ty` of a drop marker.
pub const DROP_MARKER_TY: i32 = 0;

/// The drop marker numbered `seq`, closing a run of `dropped` notifications dropped for one
/// subscriber (SPEC.md REQ-NOTIF-17): `SubscribeObject{source: "", ty: 0, id: "", error:
/// FlowyError{OVERLOADED}, seq}`. The gap in `seq` before it is the run of drops.
pub(crate) fn drop_marker(dropped: u64, seq: u64) -> Vec<u8> {
    let error = FlowyError::new(
        eventwire_schema::pb::ErrorCode::Overloaded,
        format!("notifications: {dropped} dropped for this subscriber, whose queue was full"),
    );
    SubscribeObject {
        source: DROP_MARKER_SOURCE.to_owned(),
        ty: DROP_MARKER_TY,
        id: String::new(),
        payload_oneof: None,
        error_oneof: Some(subscribe_object::ErrorOneof::Error(error.encode_to_vec())),
        seq,
    }
    .encode_to_vec()
}

/// Whether `subscribe_object` (encoded) is a drop marker: a receiver's view of REQ-NOTIF-17.
pub fn is_drop_marker(subscribe_object: &[u8]) -> bool {
    SubscribeObject::decode(subscribe_object).is_ok_and(|o| {
        o.source == DROP_MARKER_SOURCE && o.ty == DROP_MARKER_TY && o.error_oneof.is_some()
    })
}

/// Emits notifications. Cheap to clone; obtained from [`Context::notifier`](crate::Context) or
/// [`Dispatcher::notifier`](crate::Dispatcher::notifier) (for work outside a request).
#[derive(Clone)]
pub struct Notifier {
    center: Arc<NotificationCenter>,
}

impl Notifier {
    pub(crate) fn new(center: Arc<NotificationCenter>) -> Self {
        Notifier { center }
    }

    /// The category the backend's schemas give error code `number`; `None` if none declares it.
    pub(crate) fn error_category(
        &self,
        number: i32,
    ) -> Option<eventwire_schema::pb::ErrorCategory> {
        self.center.catalog.category(number)
    }

    /// Emits notification `N` about object `id` with `payload`.
    pub fn notify<N: NotificationKind>(&self, id: impl Into<String>, payload: &N::Payload) {
        self.send(
            N::SOURCE,
            N::TY,
            id.into(),
            NotificationBody::Payload(payload.encode_to_vec()),
        );
    }

    /// Emits notification `N` about object `id`, reporting `error` instead of a payload.
    pub fn notify_error<N: NotificationKind>(&self, id: impl Into<String>, error: &FlowyError) {
        self.send(
            N::SOURCE,
            N::TY,
            id.into(),
            NotificationBody::Error(error.clone()),
        );
    }

    /// Emits a notification named by (source, ty) at run time, e.g. from a dynamically loaded
    /// plugin. The pair must be declared in the tables; the payload's type is not checked.
    pub fn notify_raw(
        &self,
        source: &str,
        ty: i32,
        id: impl Into<String>,
        body: NotificationBody,
    ) -> Result<(), UndeclaredNotification> {
        if !self.center.catalog.has_notification(source, ty) {
            return Err(UndeclaredNotification {
                source_name: source.to_owned(),
                ty,
            });
        }
        self.send(source, ty, id.into(), body);
        Ok(())
    }

    fn send(&self, source: &str, ty: i32, id: String, body: NotificationBody) {
        let (payload, error) = match body {
            NotificationBody::Payload(p) => {
                (Some(subscribe_object::PayloadOneof::Payload(p)), None)
            }
            NotificationBody::Error(e) => (
                None,
                Some(subscribe_object::ErrorOneof::Error(
                    self.center.catalog.normalize(e).encode_to_vec(),
                )),
            ),
        };
        let object = SubscribeObject {
            source: source.to_owned(),
            ty,
            id,
            payload_oneof: payload,
            error_oneof: error,
            seq: 0,
        };
        self.center.emit(&object);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_appends_exactly_what_prost_writes_for_seq() {
        let object = SubscribeObject {
            source: "conformance".into(),
            ty: 1,
            id: "x".into(),
            payload_oneof: Some(subscribe_object::PayloadOneof::Payload(vec![8, 1])),
            error_oneof: None,
            seq: 0,
        };
        let unnumbered = Unnumbered::new(&object);
        for seq in [1u64, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let numbered = SubscribeObject {
                seq,
                ..object.clone()
            };
            assert_eq!(
                unnumbered.numbered(seq),
                numbered.encode_to_vec(),
                "seq {seq}"
            );
            assert_eq!(unnumbered.numbered_len(seq), numbered.encoded_len());
        }
    }
}

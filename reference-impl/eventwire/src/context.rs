//! What a handler knows about the request it is running for, and how it emits notifications.

use eventwire_schema::pb::FlowyError;

use crate::{
    cancel::CancelHandle,
    notify::{NotificationBody, NotificationKind, Notifier, UndeclaredNotification},
};

/// Given to every handler call. Cheap to clone.
#[derive(Clone)]
pub struct Context {
    event: &'static str,
    request_id: Option<u64>,
    /// `None` when the caller gave no cancel handle: nothing can cancel the request then, and
    /// no handle is allocated for it.
    cancel: Option<CancelHandle>,
    notifier: Notifier,
}

impl Context {
    pub(crate) fn new(
        event: &'static str,
        request_id: Option<u64>,
        cancel: Option<CancelHandle>,
        notifier: Notifier,
    ) -> Self {
        Context {
            event,
            request_id,
            cancel,
            notifier,
        }
    }

    /// The category that one of the backend's schemas gives error code `number` (the protocol's
    /// codes and every application code of every mounted schema); `None` if no schema declares
    /// it. For handlers that answer a code chosen at run time, as the conformance module's
    /// `RaiseError` does.
    pub fn error_category(&self, number: i32) -> Option<eventwire_schema::pb::ErrorCategory> {
        self.notifier.error_category(number)
    }

    /// The event being handled, e.g. `SignIn`.
    pub fn event(&self) -> &'static str {
        self.event
    }

    /// The transport's id for this request, when it has one (sessions, the C ABI, stdio).
    pub fn request_id(&self) -> Option<u64> {
        self.request_id
    }

    /// Whether the caller cancelled. The handler's future is dropped on cancellation anyway;
    /// this is for work that does not await (e.g. inside `spawn_blocking`).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancelHandle::is_cancelled)
    }

    /// Emits notification `N` about object `id`. It reaches every session before this request's
    /// response does.
    pub fn notify<N: NotificationKind>(&self, id: impl Into<String>, payload: &N::Payload) {
        self.notifier.notify::<N>(id, payload);
    }

    /// Emits notification `N` about object `id`, carrying `error` instead of a payload.
    pub fn notify_error<N: NotificationKind>(&self, id: impl Into<String>, error: &FlowyError) {
        self.notifier.notify_error::<N>(id, error);
    }

    /// Emits a notification named at run time; see [`Notifier::notify_raw`].
    pub fn notify_raw(
        &self,
        source: &str,
        ty: i32,
        id: impl Into<String>,
        body: NotificationBody,
    ) -> Result<(), UndeclaredNotification> {
        self.notifier.notify_raw(source, ty, id, body)
    }

    /// A notifier to keep, e.g. for a background task the handler starts.
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }
}

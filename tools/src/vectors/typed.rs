//! The prost types by full protobuf name, so that data-driven code can reach them.
//!
//! prost is the reference encoder of the vectors: its maps are `BTreeMap`s (sorted keys) and it
//! writes fields in number order, which is the canonical encoding. prost-reflect's dynamic maps
//! are hash maps, so its bytes for a map with several entries are valid but not canonical.

use eventwire_schema::project_pb as pb;
use prost::Message;

macro_rules! registry {
    ($($name:literal => $ty:ty,)*) => {
        /// Every message of package `eventwire.v1` that has a prost type.
        pub const TYPED_MESSAGES: &[&str] = &[$($name),*];

        /// Decodes `bytes` as the prost type of `full_name` and encodes it again: the canonical
        /// encoding of the same value (unknown fields dropped). `None` if there is no such type.
        pub fn reencode(full_name: &str, bytes: &[u8]) -> Option<Result<Vec<u8>, prost::DecodeError>> {
            match full_name {
                $($name => Some(<$ty>::decode(bytes).map(|m| m.encode_to_vec())),)*
                _ => None,
            }
        }
    };
}

registry! {
    "eventwire.v1.FFIRequest" => pb::FfiRequest,
    "eventwire.v1.FFIResponse" => pb::FfiResponse,
    "eventwire.v1.FlowyError" => pb::FlowyError,
    "eventwire.v1.SubscribeObject" => pb::SubscribeObject,
    "eventwire.v1.StreamFrame" => pb::StreamFrame,
    "eventwire.v1.StreamRequest" => pb::StreamRequest,
    "eventwire.v1.StreamResponse" => pb::StreamResponse,
    "eventwire.v1.StreamCancel" => pb::StreamCancel,
    "eventwire.v1.StreamFault" => pb::StreamFault,
    "eventwire.v1.StreamHandshake" => pb::StreamHandshake,
    "eventwire.v1.ModuleFingerprint" => pb::ModuleFingerprint,
    "eventwire.v1.EventFingerprint" => pb::EventFingerprint,
    "eventwire.v1.NestedPB" => pb::NestedPb,
    "eventwire.v1.AllTypesPB" => pb::AllTypesPb,
    "eventwire.v1.RecursivePB" => pb::RecursivePb,
    "eventwire.v1.RaiseErrorPayloadPB" => pb::RaiseErrorPayloadPb,
    "eventwire.v1.PanicPayloadPB" => pb::PanicPayloadPb,
    "eventwire.v1.SleepPayloadPB" => pb::SleepPayloadPb,
    "eventwire.v1.SleepResultPB" => pb::SleepResultPb,
    "eventwire.v1.EmitNotificationsPayloadPB" => pb::EmitNotificationsPayloadPb,
    "eventwire.v1.EmitNotificationsResultPB" => pb::EmitNotificationsResultPb,
    "eventwire.v1.TickPB" => pb::TickPb,
    "eventwire.v1.PongPB" => pb::PongPb,
    "eventwire.v1.NestResultPB" => pb::NestResultPb,
    "eventwire.v1.WideValuesPB" => pb::WideValuesPb,
    "eventwire.v1.OpenDocumentContextPB" => pb::OpenDocumentContextPb,
    "eventwire.v1.DocumentSnapshotPB" => pb::DocumentSnapshotPb,
    "eventwire.v1.EditPayloadPB" => pb::EditPayloadPb,
    "eventwire.v1.ExportPayloadPB" => pb::ExportPayloadPb,
    "eventwire.v1.ExportDataPB" => pb::ExportDataPb,
    "eventwire.v1.SignInPayloadPB" => pb::SignInPayloadPb,
    "eventwire.v1.UserProfilePB" => pb::UserProfilePb,
    "eventwire.v1.UpdateUserProfilePayloadPB" => pb::UpdateUserProfilePayloadPb,
}

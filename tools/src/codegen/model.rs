//! The one model every front-end generator reads: the event tables, resolved against the
//! descriptors, with nothing language-specific in it. TypeScript and Dart generation both start
//! here, so the two bindings cannot disagree about what the schema says.

use eventwire_schema::{Errors, Tables};
use prost_reflect::MessageDescriptor;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Model {
    /// The protobuf package of every message, e.g. `eventwire.v1`.
    pub package: String,
    /// Modules in table order (file-name order).
    pub modules: Vec<ModuleModel>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModuleModel {
    /// As in the table, e.g. `user`.
    pub name: String,
    /// The table file, relative to the repository root, e.g. `schema/events/user.yaml`.
    pub table_file: String,
    pub events: Vec<EventModel>,
    pub notifications: Vec<NotificationModel>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventModel {
    /// The routing name, e.g. `SignIn`.
    pub name: String,
    pub id: u32,
    pub input: Option<TypeRef>,
    pub output: Option<TypeRef>,
    /// The codes the handler may return; `None` means any code.
    pub errors: Option<Vec<ErrorRef>>,
    pub timeout_ms: Option<u64>,
    pub doc: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotificationModel {
    pub name: String,
    pub source: String,
    pub ty: i32,
    pub payload: TypeRef,
    pub doc: String,
}

/// A message type and where it is declared, so a generator can import it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeRef {
    /// e.g. `SignInPayloadPB`
    pub name: String,
    /// e.g. `eventwire.v1.SignInPayloadPB`
    pub full_name: String,
    /// The declaring file relative to `schema/proto/`, e.g. `eventwire/v1/user.proto`.
    pub proto_file: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorRef {
    /// Without the enum's prefix, e.g. `EMAIL_FORMAT_INVALID`.
    pub name: String,
    pub number: i32,
    /// The declaring enum's simple name: `ErrorCode` for the protocol's codes, the application's
    /// own enum (`SampleErrorCode`) for its codes.
    pub enum_name: String,
    /// The declaring file relative to the proto root, e.g. `eventwire/v1/errors.proto`.
    pub proto_file: String,
}

impl Model {
    pub fn from_tables(tables: &Tables) -> Model {
        let package = eventwire_schema::PACKAGE.to_owned();
        let modules = tables
            .modules()
            .iter()
            .map(|m| ModuleModel {
                name: m.name.clone(),
                table_file: repo_relative(&m.file),
                events: m
                    .events
                    .iter()
                    .map(|e| EventModel {
                        name: e.name.clone(),
                        id: e.id,
                        input: e.input.as_ref().map(type_ref),
                        output: e.output.as_ref().map(type_ref),
                        errors: match &e.errors {
                            Errors::Any => None,
                            Errors::Codes(codes) => Some(
                                codes
                                    .iter()
                                    .map(|c| {
                                        let declared = eventwire_schema::descriptor_pool()
                                            .get_enum_by_name(&c.enum_name)
                                            .expect("a table's code is declared by an enum of the pool");
                                        ErrorRef {
                                            name: c.name.clone(),
                                            number: c.number,
                                            enum_name: declared.name().to_owned(),
                                            proto_file: declared.parent_file().name().to_owned(),
                                        }
                                    })
                                    .collect(),
                            ),
                        },
                        timeout_ms: e.timeout_ms,
                        doc: e.doc.clone(),
                    })
                    .collect(),
                notifications: m
                    .notifications
                    .iter()
                    .map(|n| NotificationModel {
                        name: n.name.clone(),
                        source: n.source.clone(),
                        ty: n.ty,
                        payload: type_ref(&n.payload),
                        doc: n.doc.clone(),
                    })
                    .collect(),
            })
            .collect();
        Model { package, modules }
    }

    /// The model of the shipped tables.
    pub fn shipped() -> Model {
        Model::from_tables(eventwire_schema::tables())
    }
}

fn type_ref(d: &MessageDescriptor) -> TypeRef {
    TypeRef { name: d.name().to_owned(), full_name: d.full_name().to_owned(), proto_file: d.parent_file().name().to_owned() }
}

/// Table paths come from the schema crate as `events/user.yaml` (embedded) or absolute (loaded).
fn repo_relative(path: &str) -> String {
    match path.rfind("events/") {
        Some(i) => format!("schema/{}", &path[i..]),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_resolves_types_and_files() {
        let m = Model::shipped();
        let user = m.modules.iter().find(|m| m.name == "user").unwrap();
        assert_eq!(user.table_file, "schema/events/user.yaml");
        let sign_in = &user.events[0];
        assert_eq!(sign_in.name, "SignIn");
        let input = sign_in.input.as_ref().unwrap();
        assert_eq!(input.full_name, "eventwire.v1.SignInPayloadPB");
        assert_eq!(input.proto_file, "eventwire/v1/user.proto");
        assert_eq!(sign_in.errors.as_ref().unwrap()[0], ErrorRef {
                name: "EMAIL_FORMAT_INVALID".into(),
                number: 220,
                enum_name: "SampleErrorCode".into(),
                proto_file: "eventwire/v1/sample_errors.proto".into()
            });
        let raise = m.modules.iter().flat_map(|m| &m.events).find(|e| e.name == "RaiseError").unwrap();
        assert!(raise.errors.is_none());
    }
}

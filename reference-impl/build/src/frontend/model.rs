//! The one model every front-end generator reads: the event tables of a compiled schema, resolved
//! against its descriptors, with nothing language-specific in it. TypeScript and Dart generation
//! both start here, so the two front ends cannot disagree about what the schema says.

use std::collections::BTreeMap;
use std::path::Path;

use eventwire_schema::{DeclaredCode, Errors};
use prost_reflect::{DescriptorPool, MessageDescriptor};

use crate::{Compiled, display_path};

/// A schema as the front-end generators see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Modules in table order (file-name order).
    pub modules: Vec<ModuleModel>,
    /// Every message of the schema's own `.proto` files, by full name.
    pub messages: Vec<TypeRef>,
    /// The schema's own `.proto` files (import names, e.g. `todo/v1/todo.proto`), in name order.
    pub proto_files: Vec<String>,
    /// The protocol's files that the schema's other files import (directly or not): a front end
    /// takes their messages from its runtime package.
    pub runtime_imports: Vec<String>,
    /// The table files as they were read (relative to the working directory when inside it).
    pub table_files: Vec<String>,
    /// The application's error-code enums (values carrying `(eventwire.v1.category)`), by full name.
    pub error_enums: Vec<ErrorEnum>,
    /// Every code of the protocol's `eventwire.v1.ErrorCode`, in number order.
    pub protocol_codes: Vec<CodeRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModuleModel {
    /// As in the table, e.g. `todo`.
    pub name: String,
    /// The table's protobuf package, e.g. `todo.v1`.
    pub package: String,
    /// The table file as it was read, e.g. `events/todo.yaml`.
    pub table_file: String,
    pub events: Vec<EventModel>,
    pub notifications: Vec<NotificationModel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventModel {
    /// The routing name, e.g. `CreateTodo`.
    pub name: String,
    pub id: u32,
    pub input: Option<TypeRef>,
    pub output: Option<TypeRef>,
    /// The codes the handler may return, besides the protocol's; `None` means any code.
    pub errors: Option<Vec<CodeRef>>,
    pub timeout_ms: Option<u64>,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotificationModel {
    pub name: String,
    pub source: String,
    pub ty: i32,
    pub payload: TypeRef,
    pub doc: String,
}

/// A message type and where it is declared, so that a generator can import it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeRef {
    /// e.g. `TodoPB`; a nested message is `Outer.Inner`.
    pub name: String,
    /// e.g. `todo.v1.TodoPB`
    pub full_name: String,
    /// The package, e.g. `todo.v1`.
    pub package: String,
    /// The declaring file's import name, e.g. `todo/v1/todo.proto`.
    pub proto_file: String,
}

/// One error code: a value of the protocol's `ErrorCode` or of an application's error enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRef {
    /// Without its enum's prefix, e.g. `TODO_NOT_FOUND`.
    pub name: String,
    /// The value's full name, e.g. `TODO_ERROR_CODE_TODO_NOT_FOUND`.
    pub value: String,
    pub number: i32,
    /// The declaring enum.
    pub enum_ref: TypeRef,
    /// The category without its prefix, e.g. `NOT_FOUND`.
    pub category: String,
    /// Whether this is a code of the protocol's `eventwire.v1.ErrorCode`.
    pub protocol: bool,
}

/// An application's error-code enum and its values (the zero value excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEnum {
    pub enum_ref: TypeRef,
    pub codes: Vec<CodeRef>,
}

/// The protocol's error-code enum.
pub const PROTOCOL_ERROR_ENUM: &str = "eventwire.v1.ErrorCode";

/// The protocol's files a front-end runtime ships (package `eventwire.v1`): generated code imports
/// their messages from the runtime instead of generating them again.
pub fn is_runtime_file(proto_file: &str) -> bool {
    eventwire_schema::protocol_descriptor_pool()
        .get_file_by_name(proto_file)
        .is_some_and(|f| f.package_name() == eventwire_schema::PACKAGE)
}

impl Model {
    /// The model of a compiled schema; table paths are written relative to `base` when they are
    /// inside it (the app's directory, so that headers do not depend on the machine).
    pub fn new(compiled: &Compiled, base: &Path) -> Model {
        let relative = |p: &Path| relative_to(p, base);
        let file_of = |m: &eventwire_schema::Module| {
            compiled
                .table_paths()
                .iter()
                .find(|p| display_path(p) == m.file)
                .map_or_else(|| m.file.clone(), |p| relative(p))
        };
        let tables = &compiled.tables;
        let modules = tables
            .modules()
            .iter()
            .map(|m| ModuleModel {
                name: m.name.clone(),
                package: m.package.clone(),
                table_file: file_of(m),
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
                            Errors::Codes(codes) => {
                                Some(codes.iter().map(|c| code_ref(c, &compiled.pool)).collect())
                            }
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

        let mut proto_files = compiled.files.clone();
        proto_files.sort();
        let mut messages: Vec<TypeRef> = compiled
            .pool
            .all_messages()
            .filter(|m| {
                !m.is_map_entry() && proto_files.iter().any(|f| f == m.parent_file().name())
            })
            .map(|m| type_ref(&m))
            .collect();
        messages.sort_by(|a, b| a.full_name.cmp(&b.full_name));

        let mut by_enum: BTreeMap<String, Vec<CodeRef>> = BTreeMap::new();
        for c in tables.error_codes() {
            by_enum
                .entry(c.enum_name.clone())
                .or_default()
                .push(code_ref(c, &compiled.pool));
        }
        let error_enums = by_enum
            .into_values()
            .map(|mut codes| {
                codes.sort_by_key(|c| c.number);
                ErrorEnum {
                    enum_ref: codes[0].enum_ref.clone(),
                    codes,
                }
            })
            .collect();

        let mut runtime_imports = std::collections::BTreeSet::new();
        let mut stack: Vec<prost_reflect::FileDescriptor> = compiled
            .pool
            .files()
            .filter(|f| proto_files.iter().any(|p| p == f.name()) && !is_runtime_file(f.name()))
            .collect();
        while let Some(f) = stack.pop() {
            for dep in f.dependencies() {
                if is_runtime_file(dep.name()) {
                    if runtime_imports.insert(dep.name().to_owned()) {
                        stack.push(dep);
                    }
                } else {
                    stack.push(dep);
                }
            }
        }

        Model {
            modules,
            messages,
            runtime_imports: runtime_imports.into_iter().collect(),
            proto_files,
            table_files: compiled.table_paths().iter().map(|p| relative(p)).collect(),
            error_enums,
            protocol_codes: protocol_codes(),
        }
    }

    /// Every event, module by module.
    pub fn events(&self) -> impl Iterator<Item = (&ModuleModel, &EventModel)> {
        self.modules
            .iter()
            .flat_map(|m| m.events.iter().map(move |e| (m, e)))
    }

    /// Every notification, module by module.
    pub fn notifications(&self) -> impl Iterator<Item = (&ModuleModel, &NotificationModel)> {
        self.modules
            .iter()
            .flat_map(|m| m.notifications.iter().map(move |n| (m, n)))
    }
}

fn type_ref(d: &MessageDescriptor) -> TypeRef {
    let package = d.package_name().to_owned();
    let name = d
        .full_name()
        .strip_prefix(&format!("{package}."))
        .unwrap_or(d.full_name())
        .to_owned();
    TypeRef {
        name,
        full_name: d.full_name().to_owned(),
        package,
        proto_file: d.parent_file().name().to_owned(),
    }
}

fn enum_type_ref(full_name: &str, pool: &DescriptorPool) -> TypeRef {
    let protocol = eventwire_schema::protocol_descriptor_pool();
    let e = pool
        .get_enum_by_name(full_name)
        .or_else(|| protocol.get_enum_by_name(full_name));
    match e {
        Some(e) => {
            let package = e.package_name().to_owned();
            let name = e
                .full_name()
                .strip_prefix(&format!("{package}."))
                .unwrap_or(e.full_name())
                .to_owned();
            TypeRef {
                name,
                full_name: e.full_name().to_owned(),
                package,
                proto_file: e.parent_file().name().to_owned(),
            }
        }
        None => TypeRef {
            name: full_name.rsplit('.').next().unwrap_or(full_name).to_owned(),
            full_name: full_name.to_owned(),
            package: String::new(),
            proto_file: String::new(),
        },
    }
}

fn code_ref(c: &DeclaredCode, pool: &DescriptorPool) -> CodeRef {
    CodeRef {
        name: c.name.clone(),
        value: c.value.clone(),
        number: c.number,
        enum_ref: enum_type_ref(&c.enum_name, pool),
        category: c
            .category
            .as_str_name()
            .trim_start_matches("ERROR_CATEGORY_")
            .to_owned(),
        protocol: c.enum_name == PROTOCOL_ERROR_ENUM,
    }
}

fn protocol_codes() -> Vec<CodeRef> {
    let pool = eventwire_schema::protocol_descriptor_pool();
    let Some(e) = pool.get_enum_by_name(PROTOCOL_ERROR_ENUM) else {
        return Vec::new();
    };
    let enum_ref = enum_type_ref(PROTOCOL_ERROR_ENUM, pool);
    let mut codes: Vec<CodeRef> = e
        .values()
        .map(|v| {
            let category = eventwire_schema::pb::ErrorCode::try_from(v.number())
                .map(|c| {
                    c.category()
                        .as_str_name()
                        .trim_start_matches("ERROR_CATEGORY_")
                        .to_owned()
                })
                .unwrap_or_else(|_| "UNSPECIFIED".to_owned());
            CodeRef {
                name: v.name().trim_start_matches("ERROR_CODE_").to_owned(),
                value: v.name().to_owned(),
                number: v.number(),
                enum_ref: enum_ref.clone(),
                category,
                protocol: true,
            }
        })
        .collect();
    codes.sort_by_key(|c| c.number);
    codes
}

/// `path` relative to `base` with `/` separators when inside it, else as given.
fn relative_to(path: &Path, base: &Path) -> String {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
    match canon(path).strip_prefix(canon(base)) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

//! The facts about one revision of a schema that compatibility depends on, extracted from the
//! compiled descriptors and the loaded event tables. The lock file stores these, so a revision in
//! the lock and a revision on disk are compared by the same code.

use std::collections::{BTreeMap, BTreeSet};

use eventwire_schema::{Errors, Tables};
use prost_reflect::{Cardinality, DescriptorPool, FieldDescriptor, FileDescriptor, Kind, Value};
use serde::{Deserialize, Serialize};

use super::source::Inputs;

/// One revision of an application's schema (protos and event tables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    /// Every message of the checked proto files, by full name (nested ones as `Outer.Inner`).
    pub messages: BTreeMap<String, Message>,
    /// Every enum of the checked proto files, by full name.
    pub enums: BTreeMap<String, Enum>,
    /// Every event, by name.
    pub events: BTreeMap<String, Event>,
    /// Every notification kind.
    pub notifications: Vec<Notification>,
    /// Module name -> where its table declares it (`file:line`).
    pub modules: BTreeMap<String, Loc>,
}

/// Where something is declared: `path:line`, with the path as the user gave it.
pub type Loc = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub at: Loc,
    pub fields: BTreeMap<u32, Field>,
    /// Reserved numbers, as inclusive ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_numbers: Vec<(u32, u32)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_names: Vec<String>,
}

impl Message {
    pub fn reserves_number(&self, n: u32) -> bool {
        self.reserved_numbers.iter().any(|&(a, b)| a <= n && n <= b)
    }
    pub fn reserves_name(&self, name: &str) -> bool {
        self.reserved_names.iter().any(|r| r == name)
    }
    pub fn field_named(&self, name: &str) -> Option<&Field> {
        self.fields.values().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub number: u32,
    pub json_name: String,
    /// A scalar type name (`int32`, `string`, ...), `message .pkg.Name`, `enum .pkg.Name`, or
    /// `map<K, V>`.
    #[serde(rename = "type")]
    pub ty: String,
    pub label: Label,
    /// The (real, not synthetic) oneof the field belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oneof: Option<String>,
    pub at: Loc,
}

/// Cardinality and presence, the "label" of REQ-VER-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// A proto3 field without `optional`: implicit presence (message fields always have presence
    /// and are also `Singular`, with or without `optional`).
    Singular,
    /// `optional`: explicit presence.
    Optional,
    Repeated,
    Map,
    /// proto2 `required`.
    Required,
}

impl Label {
    pub fn describe(self) -> &'static str {
        match self {
            Label::Singular => "singular",
            Label::Optional => "optional",
            Label::Repeated => "repeated",
            Label::Map => "map",
            Label::Required => "required",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    pub at: Loc,
    pub values: BTreeMap<i32, EnumValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_numbers: Vec<(i32, i32)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_names: Vec<String>,
}

impl Enum {
    pub fn reserves_number(&self, n: i32) -> bool {
        self.reserved_numbers.iter().any(|&(a, b)| a <= n && n <= b)
    }
    pub fn reserves_name(&self, name: &str) -> bool {
        self.reserved_names.iter().any(|r| r == name)
    }
    pub fn value_named(&self, name: &str) -> Option<&EnumValue> {
        self.values.values().find(|v| v.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumValue {
    pub name: String,
    pub number: i32,
    /// For an error code: the name of its `(eventwire.v1.category)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    pub module: String,
    pub id: u32,
    /// Full message name; `None`: no input (an empty message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// `None`: `errors: any`.
    pub errors: Option<Vec<ErrorRef>>,
    pub at: Loc,
}

/// An error code, as an event's `errors` names it: the enum, the number and the value name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ErrorRef {
    #[serde(rename = "enum")]
    pub enum_name: String,
    pub number: i32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub name: String,
    pub module: String,
    pub source: String,
    pub ty: i32,
    pub payload: String,
    pub at: Loc,
}

/// The extension that marks a value of an enum as an error code.
pub const CATEGORY_EXTENSION: &str = "eventwire.v1.category";
/// The enum of the protocol's own error codes; the event tables name values of it.
pub const ERROR_CODE_ENUM: &str = "eventwire.v1.ErrorCode";

impl Snapshot {
    /// Compiles the inputs' protos, loads their tables against them and extracts the facts.
    /// Errors are `file:line: what` lines.
    pub fn build(inputs: &Inputs) -> Result<Snapshot, String> {
        let (pool, checked) = inputs.compile()?;
        let tables = Tables::from_sources(inputs.tables.iter().cloned(), &pool)
            .map_err(|e| e.to_string())?;
        Ok(Snapshot::extract(inputs, &pool, &checked, &tables))
    }

    fn extract(
        inputs: &Inputs,
        pool: &DescriptorPool,
        checked: &BTreeSet<String>,
        tables: &Tables,
    ) -> Snapshot {
        let loc = |file: &FileDescriptor, path: &[i32]| -> Loc {
            let shown = inputs.display_proto(file.name());
            match line_of(file, path) {
                Some(l) => format!("{shown}:{l}"),
                None => shown,
            }
        };
        let category_ext = pool.get_extension_by_name(CATEGORY_EXTENSION);
        let mut snap = Snapshot::default();
        for m in pool
            .all_messages()
            .filter(|m| !m.is_map_entry() && checked.contains(m.parent_file().name()))
        {
            let file = m.parent_file();
            let fields = m
                .fields()
                .map(|f| (f.number(), field(&f, loc(&file, f.path()))))
                .collect();
            snap.messages.insert(
                m.full_name().to_owned(),
                Message {
                    at: loc(&file, m.path()),
                    fields,
                    reserved_numbers: m.reserved_ranges().map(|r| (r.start, r.end - 1)).collect(),
                    reserved_names: m.reserved_names().map(str::to_owned).collect(),
                },
            );
        }
        for e in pool
            .all_enums()
            .filter(|e| checked.contains(e.parent_file().name()))
        {
            let file = e.parent_file();
            let values = e
                .values()
                .map(|v| {
                    let category = category_ext.as_ref().and_then(|ext| {
                        let opts = v.options();
                        if !opts.has_extension(ext) {
                            return None;
                        }
                        let Value::EnumNumber(n) = *opts.get_extension(ext) else {
                            return None;
                        };
                        Some(
                            ext.kind()
                                .as_enum()
                                .and_then(|c| c.get_value(n))
                                .map(|c| c.name().to_owned())
                                .unwrap_or_else(|| n.to_string()),
                        )
                    });
                    (
                        v.number(),
                        EnumValue {
                            name: v.name().to_owned(),
                            number: v.number(),
                            category,
                            at: loc(&file, v.path()),
                        },
                    )
                })
                .collect();
            snap.enums.insert(
                e.full_name().to_owned(),
                Enum {
                    at: loc(&file, e.path()),
                    values,
                    reserved_numbers: e
                        .reserved_ranges()
                        .map(|r| (*r.start(), *r.end()))
                        .collect(),
                    reserved_names: e.reserved_names().map(str::to_owned).collect(),
                },
            );
        }
        for m in tables.modules() {
            let text = inputs
                .tables
                .iter()
                .find(|(p, _)| *p == m.file)
                .map(|(_, t)| t.as_str())
                .unwrap_or("");
            let module_line = text
                .lines()
                .position(|l| l.starts_with("module:"))
                .map(|i| i + 1);
            snap.modules.insert(
                m.name.clone(),
                match module_line {
                    Some(l) => format!("{}:{l}", m.file),
                    None => m.file.clone(),
                },
            );
            let at = |line: Option<usize>| match line {
                Some(l) => format!("{}:{l}", m.file),
                None => m.file.clone(),
            };
            for e in &m.events {
                let errors = match &e.errors {
                    Errors::Any => None,
                    Errors::Codes(codes) => Some(
                        codes
                            .iter()
                            .map(|c| ErrorRef {
                                enum_name: c.enum_name.clone(),
                                number: c.number,
                                name: c.value.clone(),
                            })
                            .collect(),
                    ),
                };
                snap.events.insert(
                    e.name.clone(),
                    Event {
                        name: e.name.clone(),
                        module: e.module.clone(),
                        id: e.id,
                        input: e.input.as_ref().map(|d| d.full_name().to_owned()),
                        output: e.output.as_ref().map(|d| d.full_name().to_owned()),
                        errors,
                        at: at(e.line),
                    },
                );
            }
            for n in &m.notifications {
                snap.notifications.push(Notification {
                    name: n.name.clone(),
                    module: n.module.clone(),
                    source: n.source.clone(),
                    ty: n.ty,
                    payload: n.payload.full_name().to_owned(),
                    at: at(n.line),
                });
            }
        }
        snap
    }

    pub fn notification(&self, source: &str, ty: i32) -> Option<&Notification> {
        self.notifications
            .iter()
            .find(|n| n.source == source && n.ty == ty)
    }

    pub fn event_by_id(&self, id: u32) -> Option<&Event> {
        self.events.values().find(|e| e.id == id)
    }
}

fn field(f: &FieldDescriptor, at: Loc) -> Field {
    let label = if f.is_map() {
        Label::Map
    } else if f.is_list() {
        Label::Repeated
    } else if f.cardinality() == Cardinality::Required {
        Label::Required
    } else if matches!(f.kind(), Kind::Message(_))
        || f.containing_oneof().is_some_and(|o| !o.is_synthetic())
    {
        // Message fields and oneof members always have presence; the oneof is its own rule.
        Label::Singular
    } else if f.supports_presence() {
        Label::Optional
    } else {
        Label::Singular
    };
    let ty = if f.is_map() {
        let entry = f.kind();
        let entry = entry
            .as_message()
            .expect("a map field's kind is its entry message");
        format!(
            "map<{}, {}>",
            kind_name(&entry.map_entry_key_field().kind()),
            kind_name(&entry.map_entry_value_field().kind())
        )
    } else {
        kind_name(&f.kind())
    };
    Field {
        name: f.name().to_owned(),
        number: f.number(),
        json_name: f.json_name().to_owned(),
        ty,
        label,
        oneof: f
            .containing_oneof()
            .filter(|o| !o.is_synthetic())
            .map(|o| o.name().to_owned()),
        at,
    }
}

fn kind_name(k: &Kind) -> String {
    match k {
        Kind::Double => "double".into(),
        Kind::Float => "float".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Sint32 => "sint32".into(),
        Kind::Sint64 => "sint64".into(),
        Kind::Fixed32 => "fixed32".into(),
        Kind::Fixed64 => "fixed64".into(),
        Kind::Sfixed32 => "sfixed32".into(),
        Kind::Sfixed64 => "sfixed64".into(),
        Kind::Bool => "bool".into(),
        Kind::String => "string".into(),
        Kind::Bytes => "bytes".into(),
        Kind::Message(m) => format!("message .{}", m.full_name()),
        Kind::Enum(e) => format!("enum .{}", e.full_name()),
    }
}

/// The message a field type names, if it is a message type.
pub fn message_type(ty: &str) -> Option<&str> {
    ty.strip_prefix("message .")
}

/// The 1-based line of the declaration at `path`, from the file's source info.
fn line_of(file: &FileDescriptor, path: &[i32]) -> Option<usize> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let loc = info.location.iter().find(|l| l.path == path)?;
    loc.span.first().map(|l| *l as usize + 1)
}

//! An application's schema as a value: its events, notifications and error codes, already
//! validated at build time by `eventwire-build`, plus the descriptors of its messages.
//!
//! Nothing here parses YAML or checks a table: the build did that, and wrote a `static` of type
//! [`Schema`] into the application's `OUT_DIR`. The dispatcher is built for one or more of them
//! ([`DispatcherBuilder::schema`](crate::DispatcherBuilder::schema)).

use std::{fmt, sync::OnceLock};

use prost_reflect::{DescriptorPool, MessageDescriptor};

use eventwire_schema::pb::{ErrorCategory, ModuleFingerprint};

/// One crate's schema: what `eventwire-build` generates as `SCHEMA`.
pub struct Schema {
    def: SchemaDef,
    pool: OnceLock<DescriptorPool>,
    fingerprints: OnceLock<Vec<ModuleFingerprint>>,
}

/// The parts of a [`Schema`], as generated code spells them out.
#[derive(Debug, Clone, Copy)]
pub struct SchemaDef {
    /// Who declared it, for messages that name two origins: the crate's name.
    pub name: &'static str,
    /// The encoded `FileDescriptorSet` of the crate's `.proto` files and their imports.
    pub descriptor_set: &'static [u8],
    pub modules: &'static [ModuleDef],
    /// The application error codes the crate's protos declare, in number order.
    pub error_codes: &'static [ErrorCodeDef],
}

/// One event table.
#[derive(Debug, Clone, Copy)]
pub struct ModuleDef {
    pub name: &'static str,
    /// The protobuf package its type names resolve in.
    pub package: &'static str,
    /// The table's path, relative to the crate.
    pub file: &'static str,
    pub events: &'static [EventDef],
    pub notifications: &'static [NotificationDef],
}

/// One event: its routing name, stable id, types, deadline and the codes it may answer.
#[derive(Debug, Clone, Copy)]
pub struct EventDef {
    pub name: &'static str,
    pub module: &'static str,
    pub id: u32,
    /// Full protobuf name of the input message; `None` for an event without input.
    pub input: Option<&'static str>,
    /// Full protobuf name of the output message; `None` for an event without output.
    pub output: Option<&'static str>,
    pub errors: ErrorsDef,
    pub timeout_ms: Option<u64>,
    /// Line of the event in its table (1-based; 0 if unknown).
    pub line: u32,
}

/// The codes an event's handler may answer with, besides the protocol's own (SPEC.md REQ-ERR-14, REQ-ERR-16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorsDef {
    /// Any code some schema of the dispatcher declares.
    Any,
    /// These numbers.
    Codes(&'static [i32]),
}

impl ErrorsDef {
    /// Whether `number` is in the list.
    pub fn allows(&self, number: i32) -> bool {
        match self {
            ErrorsDef::Any => true,
            ErrorsDef::Codes(codes) => codes.contains(&number),
        }
    }
}

/// One notification kind, addressed by (source, ty).
#[derive(Debug, Clone, Copy)]
pub struct NotificationDef {
    pub name: &'static str,
    pub module: &'static str,
    pub source: &'static str,
    pub ty: i32,
    /// Full protobuf name of the payload message.
    pub payload: &'static str,
    pub line: u32,
}

/// One application error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCodeDef {
    pub number: i32,
    /// The enum value's full protobuf name, e.g. `TODO_ERROR_CODE_TODO_NOT_FOUND`.
    pub name: &'static str,
    pub category: ErrorCategory,
}

impl Schema {
    /// A schema from its parts. Called by the code `eventwire-build` generates; the parts were
    /// validated there.
    pub const fn new(def: SchemaDef) -> Self {
        Schema {
            def,
            pool: OnceLock::new(),
            fingerprints: OnceLock::new(),
        }
    }

    /// The crate that declared it.
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    pub fn modules(&self) -> &'static [ModuleDef] {
        self.def.modules
    }

    /// Every event, module by module.
    pub fn events(&self) -> impl Iterator<Item = &'static EventDef> + use<> {
        self.def.modules.iter().flat_map(|m| m.events)
    }

    /// The event routed under `name`, if this schema declares it.
    pub fn event(&self, name: &str) -> Option<&'static EventDef> {
        self.events().find(|e| e.name == name)
    }

    /// Every notification kind, module by module.
    pub fn notifications(&self) -> impl Iterator<Item = &'static NotificationDef> + use<> {
        self.def.modules.iter().flat_map(|m| m.notifications)
    }

    pub fn error_codes(&self) -> &'static [ErrorCodeDef] {
        self.def.error_codes
    }

    /// The table file a module was declared in.
    pub(crate) fn module_file(&self, module: &str) -> &'static str {
        self.def
            .modules
            .iter()
            .find(|m| m.name == module)
            .map_or("", |m| m.file)
    }

    /// The descriptors of the schema's messages (decoded on first use).
    pub fn descriptor_pool(&self) -> &DescriptorPool {
        self.pool.get_or_init(|| {
            DescriptorPool::decode(self.def.descriptor_set)
                .expect("eventwire-build embeds a valid descriptor set")
        })
    }

    /// Where `handshake` keeps the fingerprints of its modules (SPEC.md section 16.5) once
    /// computed; this module does not compute them, so that it does not depend on `handshake`.
    pub(crate) fn fingerprint_cache(&self) -> &OnceLock<Vec<ModuleFingerprint>> {
        &self.fingerprints
    }

    /// The descriptor of message `full_name`.
    pub fn message(&self, full_name: &str) -> Option<MessageDescriptor> {
        self.descriptor_pool().get_message_by_name(full_name)
    }
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("name", &self.def.name)
            .field(
                "modules",
                &self.def.modules.iter().map(|m| m.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

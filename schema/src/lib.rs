//! The Eventwire protocol's own types: everything a runtime, a transport or a build tool needs
//! to know about the wire, built from `schema/proto/` and nothing else.
//!
//! - [`pb`]: the prost types of package `eventwire.v1` (envelopes, errors, notifications, stream
//!   frames).
//! - [`testee_pb`]: the conformance testee protocol, package `eventwire.conformance.v1`.
//! - [`Code`]: what makes an enum an error code (the protocol's [`ErrorCode`](pb::ErrorCode), or
//!   an application's own), and [`is_protocol_number`], the numbers the protocol keeps.
//! - [`is_module_name`], [`is_event_name`], [`is_package_name`]: the protocol's naming rules,
//!   which the table loader, the runtime's capability patterns and `events.schema.json` follow.
//! - [`PROTO_DIR`] and [`PROTOCOL_DESCRIPTOR_SET`]: the protocol's files, for an application's
//!   `build.rs` to import (`eventwire-build` does this).
//! - With the `tables` feature, [`tables`](mod@tables): the loader and validator of YAML event tables. It is
//!   a build-time concern; the runtime never parses YAML.
//! - With the `project` feature, the whole schema of this repository (the conformance module
//!   and the sample application included) as one pool and one set of tables, for the project's
//!   own tools, vectors and conformance runner.

mod names;
#[cfg(feature = "tables")]
pub mod tables;

use std::sync::OnceLock;

use prost_reflect::DescriptorPool;

pub use names::{
    EVENT_NAME_RULE, MODULE_NAME_RULE, is_event_name, is_module_name, is_package_name,
};

#[cfg(feature = "tables")]
pub use tables::{
    DeclaredCode, Errors, Event, LoadError, Module, Notification, TableError, TableErrorKind,
    Tables,
};

/// The generated prost modules, nested as their protobuf packages are (generated code refers
/// across packages by relative path). Use them through [`pb`] and [`testee_pb`].
mod proto {
    pub mod eventwire {
        pub mod v1 {
            #![allow(
                missing_docs,
                clippy::doc_lazy_continuation,
                clippy::large_enum_variant
            )]
            include!(concat!(env!("OUT_DIR"), "/eventwire.v1.rs"));
            include!(concat!(env!("OUT_DIR"), "/error_category.rs"));

            impl ErrorCategory {
                /// Whether sending the same request again later may succeed (SPEC.md section 7).
                pub const fn is_retryable(self) -> bool {
                    matches!(
                        self,
                        ErrorCategory::Unavailable
                            | ErrorCategory::ResourceExhausted
                            | ErrorCategory::DeadlineExceeded
                    )
                }
            }

            impl FlowyError {
                /// An error with `code`, its schema category, and `msg`. `code` is the protocol's
                /// [`ErrorCode`] or an application's own code enum.
                pub fn new(code: impl crate::Code, msg: impl Into<String>) -> Self {
                    FlowyError {
                        code: code.number(),
                        msg: msg.into(),
                        payload: Vec::new(),
                        category: code.category() as i32,
                    }
                }
            }

            /// `msg` with the code: `PERMISSION_DENIED (202): event: ...`, or the number alone for a
            /// code the protocol does not declare.
            impl std::fmt::Display for FlowyError {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    match ErrorCode::try_from(self.code) {
                        Ok(code) => write!(
                            f,
                            "{} ({}): {}",
                            code.as_str_name().trim_start_matches("ERROR_CODE_"),
                            self.code,
                            self.msg
                        ),
                        Err(_) => write!(f, "error code {}: {}", self.code, self.msg),
                    }
                }
            }

            impl std::error::Error for FlowyError {}

            impl crate::Code for ErrorCode {
                fn number(self) -> i32 {
                    self as i32
                }
                fn category(self) -> ErrorCategory {
                    ErrorCode::category(self)
                }
            }
        }
        pub mod conformance {
            pub mod v1 {
                #![allow(
                    missing_docs,
                    clippy::doc_lazy_continuation,
                    clippy::large_enum_variant
                )]
                include!(concat!(env!("OUT_DIR"), "/eventwire.conformance.v1.rs"));
            }
        }
    }
}

/// The prost types of package `eventwire.v1`, generated at build time from `schema/proto/`.
pub use proto::eventwire::v1 as pb;

/// The prost types of package `eventwire.conformance.v1`: the testee protocol between the
/// conformance runner and an implementation under test (`conformance/INTERPRETING.md`).
pub use proto::eventwire::conformance::v1 as testee_pb;

/// An error code: a number on the wire (`FlowyError.code`) and the category a client acts on.
///
/// The protocol's [`ErrorCode`](pb::ErrorCode) implements it; `eventwire-build` implements it for
/// every enum of an application whose values carry `(eventwire.v1.category)`, so a handler
/// returns `FlowyError::new(TodoErrorCode::TodoNotFound, "...")` with the category attached.
pub trait Code: Copy {
    /// The number sent in `FlowyError.code`.
    fn number(self) -> i32;
    /// The category the schema assigns to this code.
    fn category(self) -> pb::ErrorCategory;
}

/// Whether `number` belongs to the protocol (SPEC.md REQ-ERR-15): the seven numbers kept from the
/// upstream system (0, 3, 49, 51, 90, 106, 127) and the block 200-219. An application's own
/// codes take any other number from 1 up, so an AppFlowy-style numbering (1-199) fits as is.
pub const fn is_protocol_number(number: i32) -> bool {
    matches!(number, 0 | 3 | 49 | 51 | 90 | 106 | 127 | 200..=219)
}

/// The protobuf package every protocol message lives in.
pub const PACKAGE: &str = "eventwire.v1";

/// The directory holding the protocol's `.proto` files (`eventwire/v1/*.proto`), as an import
/// root for an application's own files. It is inside this crate, so it exists wherever the crate
/// was built from (a path dependency or the registry's source cache).
pub const PROTO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/proto");

/// The directory holding the protocol's own event tables (the conformance module's).
pub const TABLES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/events");

/// The encoded `FileDescriptorSet` of the protocol's files only, with source info.
pub const PROTOCOL_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/protocol_descriptor_set.bin"));

/// The descriptors of the protocol's messages, enums and options.
pub fn protocol_descriptor_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(PROTOCOL_DESCRIPTOR_SET).expect("embedded descriptor set is valid")
    })
}

#[cfg(feature = "project")]
pub use project::{FILE_DESCRIPTOR_SET, descriptor_pool, tables};

/// The repository's own messages beyond the protocol's (the conformance module's and the sample
/// application's, package `eventwire.v1`), together with the protocol's: for the project's tools.
#[cfg(feature = "project")]
pub mod project_pb {
    #![allow(
        missing_docs,
        clippy::doc_lazy_continuation,
        clippy::large_enum_variant
    )]
    pub use crate::pb::*;
    include!(concat!(env!("OUT_DIR"), "/project/eventwire.v1.rs"));
}

/// The repository's whole schema, for its own tools: see the crate docs.
#[cfg(feature = "project")]
mod project {
    use std::sync::OnceLock;

    use prost_reflect::DescriptorPool;

    use crate::Tables;

    /// The encoded `FileDescriptorSet` of everything in `schema/proto/`, imports and source info
    /// included.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/eventwire_descriptor_set.bin"));

    /// The descriptors of every message, enum and option in `schema/proto/`.
    pub fn descriptor_pool() -> &'static DescriptorPool {
        static POOL: OnceLock<DescriptorPool> = OnceLock::new();
        POOL.get_or_init(|| {
            DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("embedded descriptor set is valid")
        })
    }

    /// The event tables of `schema/events/`, embedded at build time and validated on first use.
    ///
    /// # Panics
    /// If the embedded tables are invalid. The build-time tests prove they are not, so this cannot
    /// happen in a released build; use [`Tables::load_dir`] to load tables that may be invalid.
    pub fn tables() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| {
            let files: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_tables.rs"));
            Tables::from_sources(
                files.iter().map(|(p, s)| (p.to_string(), s.to_string())),
                descriptor_pool(),
            )
            .unwrap_or_else(|e| panic!("embedded event tables are invalid:\n{e}"))
        })
    }
}

//! Eventwire's schema as one API: everything another crate needs to know about the protocol's
//! messages and events, built from `schema/proto/` and `schema/events/` and nothing else.
//!
//! - [`pb`]: the prost message types of package `eventwire.v1`.
//! - [`testee_pb`]: the conformance testee protocol, package `eventwire.conformance.v1`.
//! - [`descriptor_pool`]: the same messages as descriptors, for dynamic (reflective) encoding.
//! - [`tables`]: the event tables, loaded and validated against the descriptors.
//! - [`ErrorCode::category`](pb::ErrorCode::category): what a client can do about each error.
//!
//! No other crate parses the YAML tables or compiles the protos itself.

pub mod tables;

use std::sync::OnceLock;

use prost_reflect::DescriptorPool;

pub use tables::{Errors, Event, LoadError, Module, Notification, TableError, TableErrorKind, Tables};

/// The generated prost modules, nested as their protobuf packages are (generated code refers
/// across packages by relative path). Use them through [`pb`] and [`testee_pb`].
mod proto {
    pub mod eventwire {
        pub mod v1 {
            #![allow(missing_docs, clippy::doc_lazy_continuation, clippy::large_enum_variant)]
            include!(concat!(env!("OUT_DIR"), "/eventwire.v1.rs"));
            include!(concat!(env!("OUT_DIR"), "/error_category.rs"));

            impl ErrorCategory {
                /// Whether sending the same request again later may succeed (SPEC.md section 7).
                pub const fn is_retryable(self) -> bool {
                    matches!(
                        self,
                        ErrorCategory::Unavailable | ErrorCategory::ResourceExhausted | ErrorCategory::DeadlineExceeded
                    )
                }
            }

            impl FlowyError {
                /// An error with `code`, its schema category, and `msg`.
                pub fn new(code: ErrorCode, msg: impl Into<String>) -> Self {
                    FlowyError { code: code as i32, msg: msg.into(), payload: Vec::new(), category: code.category() as i32 }
                }
            }
        }
        pub mod conformance {
            pub mod v1 {
                #![allow(missing_docs, clippy::doc_lazy_continuation, clippy::large_enum_variant)]
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

/// The protobuf package every Eventwire message lives in.
pub const PACKAGE: &str = "eventwire.v1";

/// The encoded `FileDescriptorSet` of `schema/proto/`, imports and source info included.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/eventwire_descriptor_set.bin"));

/// The descriptors of every message, enum and option in `schema/proto/`.
pub fn descriptor_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("embedded descriptor set is valid"))
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
        Tables::from_sources(files.iter().map(|(p, s)| (p.to_string(), s.to_string())), descriptor_pool())
            .unwrap_or_else(|e| panic!("embedded event tables are invalid:\n{e}"))
    })
}

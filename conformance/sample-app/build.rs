//! The sample application's `.proto` files and tables live in `schema/` beside the protocol's:
//! SPEC.md section 15 defines them, the golden vectors and the lock file name them there, and a
//! binding author finds every file of the protocol's schema in one directory. This crate compiles
//! them as any application compiles its own.

use std::path::Path;

fn main() -> Result<(), eventwire_build::Error> {
    let proto = Path::new(eventwire_schema::PROTO_DIR);
    let tables = Path::new(eventwire_schema::TABLES_DIR);
    eventwire_build::configure()
        .include(proto)
        .proto(proto.join("eventwire/v1/user.proto"))
        .proto(proto.join("eventwire/v1/document.proto"))
        .proto(proto.join("eventwire/v1/sample_errors.proto"))
        .table(tables.join("user.yaml"))
        .table(tables.join("document.yaml"))
        .compile()
}

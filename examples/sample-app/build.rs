//! The sample application's `.proto` files and tables still live in `schema/` beside the
//! protocol's, because the golden vectors name their types in package `eventwire.v1`; this crate
//! compiles them as any application compiles its own.

use std::path::Path;

fn main() -> Result<(), eventwire_build::Error> {
    let proto = Path::new(eventwire_schema::PROTO_DIR);
    let tables = Path::new(eventwire_schema::TABLES_DIR);
    eventwire_build::configure()
        .include(proto)
        .proto(proto.join("eventwire/v1/user.proto"))
        .proto(proto.join("eventwire/v1/document.proto"))
        .table(tables.join("user.yaml"))
        .table(tables.join("document.yaml"))
        .compile()
}

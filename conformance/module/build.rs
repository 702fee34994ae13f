//! The conformance module's schema is part of the protocol: its `.proto` file and table live in
//! `schema/` (crate eventwire-schema), and this crate compiles them like any application would.

use std::path::Path;

fn main() -> Result<(), eventwire_build::Error> {
    let proto = Path::new(eventwire_schema::PROTO_DIR);
    let tables = Path::new(eventwire_schema::TABLES_DIR);
    eventwire_build::configure()
        .include(proto)
        .proto(proto.join("eventwire/v1/conformance.proto"))
        .table(tables.join("conformance.yaml"))
        .compile()
}

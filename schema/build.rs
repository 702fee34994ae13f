//! Compiles `proto/` with protox (no system `protoc`) into prost types, a descriptor set for
//! prost-reflect, the ErrorCode -> category table, and the list of embedded event tables.

use std::{env, fmt::Write as _, fs, path::PathBuf};

use prost_reflect::{DescriptorPool, Value};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let proto_dir = root.join("proto");
    let events_dir = root.join("events");
    println!("cargo:rerun-if-changed={}", proto_dir.display());
    println!("cargo:rerun-if-changed={}", events_dir.display());

    let mut protos: Vec<PathBuf> = walk(&proto_dir, "proto");
    protos.sort();
    for p in &protos {
        println!("cargo:rerun-if-changed={}", p.display());
    }

    // protox keeps custom options (the error categories) in the encoded set, which prost_types
    // would drop, so the bytes are what we embed and reflect over.
    let mut compiler = protox::Compiler::new([&proto_dir]).expect("protox compiler");
    compiler.include_source_info(true).include_imports(true);
    compiler.open_files(&protos).unwrap_or_else(|e| panic!("schema/proto does not compile:\n{e:?}"));
    let fds_bytes = compiler.encode_file_descriptor_set();
    fs::write(out.join("eventwire_descriptor_set.bin"), &fds_bytes).unwrap();

    let mut config = prost_build::Config::new();
    // Maps encode in key order (SPEC.md canonical encoding), which HashMap would not give.
    config.btree_map(["."]);
    config.compile_fds(compiler.file_descriptor_set()).expect("prost-build");

    let pool = DescriptorPool::decode(fds_bytes.as_slice()).expect("descriptor set decodes");
    fs::write(out.join("error_category.rs"), error_category_table(&pool)).unwrap();

    let mut tables: Vec<PathBuf> = walk(&events_dir, "yaml");
    tables.sort();
    let mut embedded = String::from("&[\n");
    for t in &tables {
        println!("cargo:rerun-if-changed={}", t.display());
        let rel = t.strip_prefix(&root).unwrap().display().to_string();
        writeln!(embedded, "    ({rel:?}, include_str!({:?})),", t.display().to_string()).unwrap();
    }
    embedded.push_str("]\n");
    fs::write(out.join("embedded_tables.rs"), embedded).unwrap();
}

/// `ErrorCode::category` as a `match`, generated from the `(eventwire.v1.category)` option of each
/// value, so that the hot path never touches reflection. Fails the build if a value has none.
fn error_category_table(pool: &DescriptorPool) -> String {
    let code = pool.get_enum_by_name("eventwire.v1.ErrorCode").expect("ErrorCode");
    let category = pool.get_enum_by_name("eventwire.v1.ErrorCategory").expect("ErrorCategory");
    let ext = pool.get_extension_by_name("eventwire.v1.category").expect("category extension");
    let mut s = String::from(
        "impl ErrorCode {\n    /// The category the schema assigns to this code (`(eventwire.v1.category)`).\n    pub const fn category(self) -> ErrorCategory {\n        match self {\n",
    );
    for v in code.values() {
        let options = v.options();
        let Value::EnumNumber(n) = options.get_extension(&ext).into_owned() else {
            panic!("ErrorCode value {} has no category", v.name())
        };
        if !options.has_extension(&ext) {
            panic!("ErrorCode value {} declares no (eventwire.v1.category)", v.name());
        }
        let cat = category.get_value(n).expect("known category");
        writeln!(
            s,
            "            ErrorCode::{} => ErrorCategory::{},",
            upper_camel(v.name().trim_start_matches("ERROR_CODE_")),
            upper_camel(cat.name().trim_start_matches("ERROR_CATEGORY_")),
        )
        .unwrap();
    }
    s.push_str("        }\n    }\n}\n");
    s
}

/// prost's enum variant naming: prefix stripped, UPPER_SNAKE to UpperCamel.
fn upper_camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

fn walk(dir: &std::path::Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            found.push(path);
        }
    }
    found
}

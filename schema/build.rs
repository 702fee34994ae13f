//! Compiles the protocol's `.proto` files with protox (no system `protoc`) into prost types, a
//! descriptor set for prost-reflect and the ErrorCode -> category table.
//!
//! With the `project` feature it also compiles the conformance module's and the sample
//! application's files and embeds every event table: the whole schema of this repository, for
//! the project's own tools, vectors and conformance runner. Applications never need that: they
//! compile their own schema with `eventwire-build`.

use std::{
    env,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use prost_reflect::{DescriptorPool, Value};

/// The protocol's own files: what every application imports and the runtime is built on.
const PROTOCOL: &[&str] = &[
    "eventwire/v1/envelope.proto",
    "eventwire/v1/errors.proto",
    "eventwire/v1/notification.proto",
    "eventwire/v1/stream.proto",
    "eventwire/conformance/v1/testee.proto",
];

/// The rest of `proto/`, compiled only for the `project` feature.
const PROJECT: &[&str] = &[
    "eventwire/v1/conformance.proto",
    "eventwire/v1/document.proto",
    "eventwire/v1/sample_errors.proto",
    "eventwire/v1/user.proto",
];

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let proto_dir = root.join("proto");
    let events_dir = root.join("events");
    let project = env::var_os("CARGO_FEATURE_PROJECT").is_some();
    println!("cargo:rerun-if-changed={}", proto_dir.display());
    println!("cargo:rerun-if-changed={}", events_dir.display());

    // The protocol alone: the descriptor set applications compile against (extern types).
    let protocol = compile(&proto_dir, PROTOCOL);
    fs::write(
        out.join("protocol_descriptor_set.bin"),
        protocol.encode_file_descriptor_set(),
    )
    .unwrap();

    let mut config = prost_build::Config::new();
    // Maps encode in key order (SPEC.md canonical encoding), which HashMap would not give.
    config.btree_map(["."]);
    config
        .compile_fds(protocol.file_descriptor_set())
        .expect("prost-build");
    let pool = DescriptorPool::decode(protocol.encode_file_descriptor_set().as_slice())
        .expect("descriptor set decodes");

    // The project's other messages, in a module of their own (`project_pb`) so that the
    // protocol's `pb` is the same whichever features are on; protocol types are referred to.
    let files: Vec<&str> = PROTOCOL.iter().chain(PROJECT).copied().collect();
    let all = compile(&proto_dir, if project { &files } else { PROTOCOL });
    fs::write(
        out.join("eventwire_descriptor_set.bin"),
        all.encode_file_descriptor_set(),
    )
    .unwrap();
    let project_out = out.join("project");
    fs::create_dir_all(&project_out).unwrap();
    if project {
        let mut fds = all.file_descriptor_set();
        fds.file.retain(|f| PROJECT.contains(&f.name()));
        let mut config = prost_build::Config::new();
        config.btree_map(["."]).out_dir(&project_out);
        for m in pool
            .all_messages()
            .filter(|m| m.parent_message().is_none() && m.package_name() == "eventwire.v1")
        {
            config.extern_path(
                format!(".{}", m.full_name()),
                format!("crate::pb::{}", heck_upper(m.name())),
            );
        }
        for e in pool
            .all_enums()
            .filter(|e| e.parent_message().is_none() && e.package_name() == "eventwire.v1")
        {
            config.extern_path(
                format!(".{}", e.full_name()),
                format!("crate::pb::{}", heck_upper(e.name())),
            );
        }
        config.compile_fds(fds).expect("prost-build");
    }
    fs::write(out.join("error_category.rs"), error_category_table(&pool)).unwrap();

    let mut embedded = String::from("&[\n");
    if project {
        let mut tables: Vec<PathBuf> = walk(&events_dir, "yaml");
        tables.sort();
        for t in &tables {
            println!("cargo:rerun-if-changed={}", t.display());
            let rel = t.strip_prefix(&root).unwrap().display().to_string();
            writeln!(
                embedded,
                "    ({rel:?}, include_str!({:?})),",
                t.display().to_string()
            )
            .unwrap();
        }
    }
    embedded.push_str("]\n");
    fs::write(out.join("embedded_tables.rs"), embedded).unwrap();
}

fn compile(proto_dir: &Path, files: &[&str]) -> protox::Compiler {
    for f in files {
        println!("cargo:rerun-if-changed={}", proto_dir.join(f).display());
    }
    // protox keeps custom options (the error categories) in the encoded set, which prost_types
    // would drop, so the bytes are what we embed and reflect over.
    let mut compiler = protox::Compiler::new([proto_dir]).expect("protox compiler");
    compiler.include_source_info(true).include_imports(true);
    compiler
        .open_files(files)
        .unwrap_or_else(|e| panic!("schema/proto does not compile:\n{e:?}"));
    compiler
}

/// `ErrorCode::category` as a `match`, generated from the `(eventwire.v1.category)` option of each
/// value, so that the hot path never touches reflection. Fails the build if a value has none.
fn error_category_table(pool: &DescriptorPool) -> String {
    let code = pool
        .get_enum_by_name("eventwire.v1.ErrorCode")
        .expect("ErrorCode");
    let category = pool
        .get_enum_by_name("eventwire.v1.ErrorCategory")
        .expect("ErrorCategory");
    let ext = pool
        .get_extension_by_name("eventwire.v1.category")
        .expect("category extension");
    let mut s = String::from(
        "impl ErrorCode {\n    /// The category the schema assigns to this code (`(eventwire.v1.category)`).\n    pub const fn category(self) -> ErrorCategory {\n        match self {\n",
    );
    for v in code.values() {
        let options = v.options();
        if !options.has_extension(&ext) {
            panic!(
                "ErrorCode value {} declares no (eventwire.v1.category)",
                v.name()
            );
        }
        let Value::EnumNumber(n) = options.get_extension(&ext).into_owned() else {
            panic!("ErrorCode value {} has no category", v.name())
        };
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

/// prost's type naming: UpperCamel, with runs of capitals (`PB`) folded (`Pb`).
fn heck_upper(s: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = c.is_ascii_uppercase()
            && !word.is_empty()
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if (boundary || c == '_') && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c != '_' {
            word.push(c);
        }
    }
    words.push(word);
    words.iter().map(|w| upper_camel(w)).collect()
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

fn walk(dir: &Path, ext: &str) -> Vec<PathBuf> {
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

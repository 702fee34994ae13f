//! The protos through protox, the tables through the table loader of `eventwire-schema`.

use std::{
    fs,
    path::{Path, PathBuf},
};

use eventwire_schema::Tables;
use miette::Diagnostic;
use prost_reflect::DescriptorPool;

use crate::{Builder, Error, display_path};

/// A compiled, validated schema.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The descriptors of the application's files and everything they import.
    pub pool: DescriptorPool,
    /// The same as an encoded `FileDescriptorSet`, with source info.
    pub descriptor_set: Vec<u8>,
    /// The application's own files, as import names (`todo/v1/todo.proto`).
    pub files: Vec<String>,
    /// The tables, validated against `pool`.
    pub tables: Tables,
    pub(crate) own_files: prost_types::FileDescriptorSet,
    proto_paths: Vec<PathBuf>,
    table_paths: Vec<PathBuf>,
}

impl Compiled {
    /// Every file read, for `cargo:rerun-if-changed`.
    pub fn inputs(&self) -> impl Iterator<Item = &Path> {
        self.proto_paths
            .iter()
            .chain(&self.table_paths)
            .map(PathBuf::as_path)
    }

    /// The tables' files, as they were read.
    pub fn table_paths(&self) -> &[PathBuf] {
        &self.table_paths
    }

    /// The proto files, as they were read.
    pub fn proto_paths(&self) -> &[PathBuf] {
        &self.proto_paths
    }
}

pub(crate) fn compile(builder: &Builder) -> Result<Compiled, Error> {
    let protocol = PathBuf::from(eventwire_schema::PROTO_DIR);
    let mut includes = builder.includes.clone();
    if !includes.iter().any(|i| same_dir(i, &protocol)) {
        includes.push(protocol.clone());
    }
    for dir in &includes {
        if !dir.is_dir() {
            return Err(Error::one(format!(
                "{}: include directory does not exist",
                display_path(dir)
            )));
        }
    }
    let mut protos = builder.protos.clone();
    if protos.is_empty() {
        for dir in builder.includes.iter().filter(|d| !same_dir(d, &protocol)) {
            protos.extend(walk(dir, &["proto"]));
        }
        protos.sort();
    }
    if protos.is_empty() {
        return Err(Error::one(
            "no .proto files: give them with proto(), or an include() directory that holds them",
        ));
    }
    for p in &protos {
        if !p.is_file() {
            return Err(Error::one(format!(
                "{}: no such .proto file",
                display_path(p)
            )));
        }
    }

    let mut compiler =
        protox::Compiler::new(&includes).map_err(|e| Error::one(proto_error(&e, &includes)))?;
    compiler.include_source_info(true).include_imports(true);
    compiler
        .open_files(&protos)
        .map_err(|e| Error::one(proto_error(&e, &includes)))?;
    let files: Vec<String> = compiler
        .files()
        .filter(|f| {
            protos
                .iter()
                .any(|p| f.path() == Some(p.as_path()) || p.ends_with(f.name()))
        })
        .map(|f| f.name().to_owned())
        .collect();
    let all = compiler.file_descriptor_set();
    let own_files = prost_types::FileDescriptorSet {
        file: all
            .file
            .iter()
            .filter(|f| files.iter().any(|n| Some(n.as_str()) == f.name.as_deref()))
            .cloned()
            .collect(),
    };
    let descriptor_set = compiler.encode_file_descriptor_set();
    let pool = DescriptorPool::decode(descriptor_set.as_slice())
        .map_err(|e| Error::one(format!("descriptor set: {e}")))?;

    let mut table_paths = Vec::new();
    for dir in &builder.tables {
        if !dir.is_dir() {
            return Err(Error::one(format!(
                "{}: tables directory does not exist",
                display_path(dir)
            )));
        }
        table_paths.extend(walk(dir, &["yaml", "yml"]));
    }
    for file in &builder.table_files {
        if !file.is_file() {
            return Err(Error::one(format!(
                "{}: no such table file",
                display_path(file)
            )));
        }
        table_paths.push(file.clone());
    }
    table_paths.sort();
    table_paths.dedup();
    let mut sources = Vec::new();
    for path in &table_paths {
        let text = fs::read_to_string(path)
            .map_err(|e| Error::one(format!("{}: cannot read: {e}", display_path(path))))?;
        sources.push((display_path(path), text));
    }
    let tables = Tables::from_sources(sources, &pool).map_err(|e| Error {
        problems: e
            .errors
            .into_iter()
            .map(|mut problem| {
                // A problem in a .proto file is located by its import name: show its path.
                if let Some(path) = includes
                    .iter()
                    .map(|i| i.join(&problem.file))
                    .find(|p| p.is_file())
                {
                    problem.file = display_path(&path);
                }
                problem.to_string()
            })
            .collect(),
    })?;
    Ok(Compiled {
        pool,
        descriptor_set,
        files,
        tables,
        own_files,
        proto_paths: protos,
        table_paths,
    })
}

/// A protox error as `path:line:col: message`, the path as the user wrote it.
fn proto_error(e: &protox::Error, includes: &[PathBuf]) -> String {
    let file = e.file().map(|name| {
        includes
            .iter()
            .map(|i| i.join(name))
            .find(|p| p.is_file())
            .map_or_else(|| name.to_owned(), |p| display_path(&p))
    });
    let mut location = String::new();
    if let (Some(source), Some(label)) = (e.source_code(), e.labels().and_then(|mut l| l.next())) {
        if let Ok(span) = source.read_span(label.inner(), 0, 0) {
            location = format!(":{}:{}", span.line() + 1, span.column() + 1);
        }
    }
    let message = e.to_string();
    match file {
        Some(file) => format!("{file}{location}: {message}"),
        None => message,
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn walk(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path, extensions));
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            found.push(path);
        }
    }
    found
}

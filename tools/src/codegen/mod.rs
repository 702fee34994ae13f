//! `eventwire-tools codegen ts|dart`: the front end of any schema, from its `.proto` roots and
//! event tables on disk into an output directory the app owns.
//!
//! The generators and their one model live in `eventwire-build` ([`eventwire_build::frontend`]),
//! so that an app's `build.rs` produces the same files as this command. What this module adds is
//! what a command line needs: compiling the inputs, running `protoc-gen-es` for the TypeScript
//! message types, and comparing the result with what is on disk (`--check`).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use eventwire_build::frontend::{GeneratedFile, Generator, Model, Params, dart, model, ts};
use prost::Message as _;

/// The front ends this command writes, as on the command line.
pub const LANGS: [&str; 2] = ["ts", "dart"];

/// This tool, for generated headers.
pub fn generator() -> Generator {
    Generator {
        name: "eventwire-tools".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// What a schema is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// Proto roots: every `.proto` file under them is the schema's; imports resolve across them
    /// and the protocol's own files (`eventwire/v1/*.proto`) are always importable.
    pub protos: Vec<PathBuf>,
    /// Directories of event tables (`*.yaml`).
    pub tables: Vec<PathBuf>,
}

/// Compiles the inputs (paths relative to `base`, which headers are written relative to).
pub fn compile(inputs: &Inputs, base: &Path) -> Result<eventwire_build::Compiled, String> {
    let mut builder = eventwire_build::configure();
    let mut any = false;
    for root in &inputs.protos {
        let root = base.join(root);
        if !root.is_dir() {
            return Err(format!("{}: proto root does not exist", root.display()));
        }
        for file in walk(&root, "proto") {
            builder = builder.proto(file);
            any = true;
        }
        builder = builder.include(root);
    }
    if !any {
        return Err("no .proto files under the --proto roots".into());
    }
    for dir in &inputs.tables {
        builder = builder.tables(base.join(dir));
    }
    builder.load().map_err(|e| e.to_string())
}

/// The model of the inputs.
pub fn load(inputs: &Inputs, base: &Path) -> Result<(eventwire_build::Compiled, Model), String> {
    let compiled = compile(inputs, base)?;
    let model = Model::new(&compiled, base);
    Ok((compiled, model))
}

/// What one `codegen` run produces: files relative to the output directory, and the files there
/// it owns (so that one it no longer produces is reported stale).
#[derive(Debug, Clone)]
pub struct Output {
    pub files: Vec<GeneratedFile>,
    /// (directory relative to the output directory, file suffix, recursive).
    pub owns: Vec<(String, String, bool)>,
}

/// The TypeScript event layer; with `protoc_gen_es`, also the message types of the schema's
/// own files (less the protocol's, which the runtime ships).
pub fn typescript(
    compiled: &eventwire_build::Compiled,
    model: &Model,
    protoc_gen_es: Option<&Path>,
) -> Result<Output, String> {
    let params = Params::new(generator(), "ts");
    let mut files = ts::generate(model, &params);
    let mut owns = vec![(ts::EVENTS_DIR.to_owned(), ".ts".to_owned(), false)];
    if let Some(plugin) = protoc_gen_es {
        let to_generate = ts::message_files(model);
        files.extend(run_plugin(
            plugin,
            compiled,
            &to_generate,
            &ts::protoc_gen_es_parameter(&params),
        )?);
        owns.push((String::new(), "_pb.ts".to_owned(), true));
    }
    Ok(Output { files, owns })
}

/// The Dart event layer (the message classes are `protoc-gen-dart`'s, under `proto/`).
pub fn dart(model: &Model) -> Output {
    let files = dart::generate(model, &Params::new(generator(), "dart"));
    Output {
        files,
        owns: vec![(String::new(), ".dart".to_owned(), false)],
    }
}

/// How a file on disk differs from what its generator produces now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Generated, but not on disk.
    Missing { path: String },
    /// On disk, with other contents.
    Differs { path: String },
    /// On disk where the generator writes, but no longer generated.
    Stale { path: String },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing { path } => write!(
                f,
                "{path}: missing (regenerate: the same command without --check)"
            ),
            Drift::Differs { path } => write!(
                f,
                "{path}: out of date (regenerate: the same command without --check)"
            ),
            Drift::Stale { path } => write!(f, "{path}: no longer generated; delete it"),
        }
    }
}

impl Output {
    /// Compares with the files under `dir`; empty means no drift. Paths are shown as `dir/...`.
    pub fn check(&self, dir: &Path) -> std::io::Result<Vec<Drift>> {
        let mut drift = Vec::new();
        for file in &self.files {
            let path = dir.join(&file.path);
            let shown = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if on_disk == file.contents => {}
                Ok(_) => drift.push(Drift::Differs { path: shown }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    drift.push(Drift::Missing { path: shown })
                }
                Err(e) => return Err(e),
            }
        }
        for path in self.stale(dir) {
            drift.push(Drift::Stale {
                path: path.display().to_string(),
            });
        }
        Ok(drift)
    }

    /// Writes the files under `dir` and deletes stale ones; returns what changed.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        let mut changed: Vec<String> = eventwire_build::frontend::write_files(dir, &self.files)?
            .into_iter()
            .map(|p| dir.join(p).display().to_string())
            .collect();
        for path in self.stale(dir) {
            std::fs::remove_file(&path)?;
            changed.push(format!("{} (deleted)", path.display()));
        }
        Ok(changed)
    }

    fn stale(&self, dir: &Path) -> Vec<PathBuf> {
        let expected: BTreeSet<PathBuf> = self.files.iter().map(|f| dir.join(&f.path)).collect();
        let mut stale = Vec::new();
        for (sub, suffix, recursive) in &self.owns {
            let root = dir.join(sub);
            let found = if *recursive {
                walk_suffix(&root, suffix)
            } else {
                list_suffix(&root, suffix)
            };
            stale.extend(found.into_iter().filter(|p| !expected.contains(p)));
        }
        stale.sort();
        stale
    }
}

/// Runs a protoc plugin on the compiled schema, as `protoc` would.
pub fn run_plugin(
    plugin: &Path,
    compiled: &eventwire_build::Compiled,
    files: &[String],
    parameter: &str,
) -> Result<Vec<GeneratedFile>, String> {
    use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};
    use prost_types::compiler::CodeGeneratorResponse;
    // The request is written by hand around each file's bytes as compiled: decoding them into
    // prost's types would drop custom options such as `(eventwire.v1.category)`.
    let mut request = Vec::new();
    for f in files {
        prost::encoding::string::encode(1, f, &mut request);
    }
    prost::encoding::string::encode(2, &parameter.to_owned(), &mut request);
    let mut set = compiled.descriptor_set.as_slice();
    while !set.is_empty() {
        let (tag, wire) = decode_key(&mut set).map_err(|e| format!("descriptor set: {e}"))?;
        if tag != 1 || wire != WireType::LengthDelimited {
            return Err(format!("descriptor set: unexpected field {tag}"));
        }
        let len = decode_varint(&mut set).map_err(|e| format!("descriptor set: {e}"))? as usize;
        if len > set.len() {
            return Err("descriptor set: truncated".into());
        }
        encode_key(15, WireType::LengthDelimited, &mut request);
        encode_varint(len as u64, &mut request);
        request.extend_from_slice(&set[..len]);
        set = &set[len..];
    }
    let shown = plugin.display();
    let mut child = Command::new(plugin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{shown}: cannot run the plugin: {e} (install @bufbuild/protoc-gen-es, or pass its path)"))?;
    let bytes = request;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{shown}: {e}"))?;
    writer
        .join()
        .map_err(|_| format!("{shown}: writing its request panicked"))?
        .map_err(|e| format!("{shown}: writing its request: {e}"))?;
    if !output.status.success() {
        return Err(format!("{shown}: exited with {}", output.status));
    }
    let response = CodeGeneratorResponse::decode(output.stdout.as_slice())
        .map_err(|e| format!("{shown}: its answer is not a CodeGeneratorResponse: {e}"))?;
    if let Some(error) = response.error {
        return Err(format!("{shown}: {error}"));
    }
    Ok(response
        .file
        .into_iter()
        .map(|f| GeneratedFile {
            path: f.name.unwrap_or_default(),
            contents: f.content.unwrap_or_default(),
        })
        .collect())
}

fn walk(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn walk_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk_suffix(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

fn list_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect()
}

/// One front end this repository generates for itself with `codegen`, exactly as an app would:
/// the arguments of one `eventwire-tools codegen` run, relative to the repository root.
#[derive(Debug, Clone, Copy)]
pub struct ProjectFrontEnd {
    pub lang: &'static str,
    pub protos: &'static [&'static str],
    pub tables: &'static [&'static str],
    pub out: &'static str,
    /// Dart only: where the runtime's table of protocol-code categories is written.
    pub dart_runtime: Option<&'static str>,
}

/// Every front end the repository generates (the TypeScript ones also run protoc-gen-es, from
/// their package's `npm run generate`; the event layer is checked here as well).
pub const PROJECT: &[ProjectFrontEnd] = &[
    ProjectFrontEnd {
        lang: "ts",
        protos: &["schema/proto"],
        tables: &["schema/events"],
        out: "bindings/ts/conformance/gen",
        dart_runtime: None,
    },
    ProjectFrontEnd {
        lang: "dart",
        protos: &["schema/proto"],
        tables: &["schema/events"],
        out: "bindings/dart/conformance/gen",
        dart_runtime: Some("bindings/dart/lib/src/gen"),
    },
    ProjectFrontEnd {
        lang: "ts",
        protos: &["examples/todo/proto"],
        tables: &["examples/todo/events"],
        out: "examples/todo/ts/src/gen",
        dart_runtime: None,
    },
    ProjectFrontEnd {
        lang: "dart",
        protos: &["examples/todo/proto"],
        tables: &["examples/todo/events"],
        out: "examples/todo/dart/lib/src/events",
        dart_runtime: None,
    },
];

impl ProjectFrontEnd {
    /// What this front end's `codegen` run writes (the TypeScript event layer without the
    /// protoc-gen-es messages), as (directory, output) pairs.
    pub fn outputs(&self, root: &Path) -> Result<Vec<(PathBuf, Output)>, String> {
        let inputs = Inputs {
            protos: self.protos.iter().map(PathBuf::from).collect(),
            tables: self.tables.iter().map(PathBuf::from).collect(),
        };
        let (compiled, model) = load(&inputs, root)?;
        let mut outputs = vec![(
            root.join(self.out),
            if self.lang == "ts" {
                typescript(&compiled, &model, None)?
            } else {
                dart(&model)
            },
        )];
        if let Some(dir) = self.dart_runtime {
            let file = dart::protocol_codes_file(&model, &Params::new(generator(), "dart"));
            outputs.push((
                root.join(dir),
                Output {
                    files: vec![file],
                    owns: Vec::new(),
                },
            ));
        }
        Ok(outputs)
    }
}

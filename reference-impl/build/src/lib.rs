//! Compiles an application's Eventwire schema from its `build.rs`, as `prost-build` and
//! `tonic-build` do for theirs.
//!
//! The application keeps `.proto` files (any package; they may import the protocol's own
//! `eventwire/v1/*.proto`) and YAML event tables (`<module>.yaml`, rules in SPEC.md section 3).
//! [`configure`] compiles the protos with protox (no system `protoc`), loads and validates the
//! tables against them, and writes to `OUT_DIR`:
//!
//! - the prost types of every package, with the protocol's types mapped to `eventwire::pb`;
//! - `events`: one marker type per event, implementing `eventwire::Event`;
//! - `notifications`: one marker type per notification kind;
//! - `handlers::<module>`: a handler trait with one async method per event, and `Module`, which
//!   mounts an implementation on a `DispatcherBuilder`;
//! - `eventwire::Code` for every error enum (an enum whose values carry `(eventwire.v1.category)`);
//! - `SCHEMA`, the validated schema as an `eventwire::Schema` value: the runtime parses no YAML.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), eventwire_build::Error> {
//!     eventwire_build::configure().include("proto").tables("events").compile()
//! }
//! ```
//!
//! and in the crate, `mod api { eventwire::include_generated!(); }`.
//!
//! A mistake in the schema fails the build with `file:line[:col]: what is wrong` lines, one per
//! problem, and no backtrace.

mod compile;
pub mod frontend;
mod generate;

use std::{
    env, fmt,
    path::{Path, PathBuf},
};

pub use compile::Compiled;

/// Starts configuring a build; see the crate docs.
pub fn configure() -> Builder {
    Builder::default()
}

/// What to compile and where to write it.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    protos: Vec<PathBuf>,
    includes: Vec<PathBuf>,
    tables: Vec<PathBuf>,
    table_files: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    name: Option<String>,
    typescript: Option<PathBuf>,
    dart: Option<PathBuf>,
}

impl Builder {
    /// A `.proto` file to compile. Without any, every `.proto` file under the include
    /// directories is compiled.
    pub fn proto(mut self, path: impl AsRef<Path>) -> Self {
        self.protos.push(path.as_ref().to_owned());
        self
    }

    /// A directory imports resolve against (`import "todo/v1/todo.proto"`). The protocol's own
    /// files (`eventwire/v1/*.proto`) are always importable.
    pub fn include(mut self, dir: impl AsRef<Path>) -> Self {
        self.includes.push(dir.as_ref().to_owned());
        self
    }

    /// A directory of event tables (`*.yaml`, one module per file).
    pub fn tables(mut self, dir: impl AsRef<Path>) -> Self {
        self.tables.push(dir.as_ref().to_owned());
        self
    }

    /// One event table file.
    pub fn table(mut self, file: impl AsRef<Path>) -> Self {
        self.table_files.push(file.as_ref().to_owned());
        self
    }

    /// Where to write; defaults to `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// The schema's name in messages that name two origins; defaults to `CARGO_PKG_NAME`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Also writes the TypeScript event layer of the schema into `dir` (relative to the crate),
    /// for a front end on `@eventwire/client`: see [`frontend::ts`]. The message types are
    /// `protoc-gen-es`'s, which the front end generates into the same directory.
    pub fn typescript(mut self, dir: impl AsRef<Path>) -> Self {
        self.typescript = Some(dir.as_ref().to_owned());
        self
    }

    /// Also writes the Dart event layer of the schema into `dir` (relative to the crate), for a
    /// front end on `package:eventwire`: see [`frontend::dart`]. The message classes are
    /// `protoc-gen-dart`'s, expected under `dir/proto/`.
    pub fn dart(mut self, dir: impl AsRef<Path>) -> Self {
        self.dart = Some(dir.as_ref().to_owned());
        self
    }

    /// Compiles the protos and loads the tables, without writing anything: for tools that lint,
    /// document or compare a schema.
    pub fn load(&self) -> Result<Compiled, Error> {
        compile::compile(self)
    }

    /// Compiles, validates and writes the generated code to the output directory, and tells
    /// cargo to rerun when an input changes.
    pub fn compile(self) -> Result<(), Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(env::var_os("OUT_DIR").ok_or_else(|| {
                Error::one("OUT_DIR is not set: call compile() from build.rs, or set out_dir()")
            })?),
        };
        let compiled = compile::compile(&self)?;
        if env::var_os("CARGO").is_some() {
            for path in compiled.inputs() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            for dir in self.includes.iter().chain(&self.tables) {
                println!("cargo:rerun-if-changed={}", dir.display());
            }
        }
        let name = self
            .name
            .clone()
            .or_else(|| env::var("CARGO_PKG_NAME").ok())
            .unwrap_or_else(|| "app".to_owned());
        generate::write(&compiled, &name, &out_dir)?;
        if self.typescript.is_some() || self.dart.is_some() {
            let base = env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            let model = frontend::Model::new(&compiled, &base);
            let generator = frontend::Generator::eventwire_build();
            if let Some(dir) = &self.typescript {
                let files =
                    frontend::ts::generate(&model, &frontend::Params::new(generator.clone(), "ts"));
                frontend::write_files(&base.join(dir), &files)
                    .map_err(|e| Error::one(format!("{}: {e}", dir.display())))?;
            }
            if let Some(dir) = &self.dart {
                let files =
                    frontend::dart::generate(&model, &frontend::Params::new(generator, "dart"));
                frontend::write_files(&base.join(dir), &files)
                    .map_err(|e| Error::one(format!("{}: {e}", dir.display())))?;
            }
        }
        Ok(())
    }
}

/// Why a schema did not compile: every problem found, one per line, each as
/// `file:line[:col]: what is wrong`.
///
/// `Debug` prints the same lines as `Display`, so `fn main() -> Result<(), Error>` in `build.rs`
/// shows them as they are.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    problems: Vec<String>,
}

impl Error {
    fn one(problem: impl Into<String>) -> Self {
        Error {
            problems: vec![problem.into()],
        }
    }

    /// The problems, each located.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the Eventwire schema does not compile:")?;
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// `path` relative to the crate being built, when it is inside it.
pub(crate) fn display_path(path: &Path) -> String {
    let base = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| env::current_dir().ok());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    match base
        .and_then(|b| b.canonicalize().ok())
        .and_then(|b| path.strip_prefix(&b).ok().map(Path::to_owned))
    {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
}

//! `eventwire-tools`: see `eventwire-tools help`.
//!
//! Exit codes: 0 success, 1 a check failed (drift, lint findings), 2 usage or I/O error.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use eventwire_tools::{breaking, codegen, docs, lint, vectors};

#[derive(Parser)]
#[command(
    name = "eventwire-tools",
    about = "Eventwire's tools: code generation, golden vectors, schema lint, docs.",
    version
)]
struct Cli {
    /// The repository root (default: the current directory).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Golden byte vectors in `vectors/`.
    Vectors {
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// Schema checks.
    Schema {
        #[command(subcommand)]
        command: SchemaCommand,
    },
    /// Writes the front end of a schema: the TypeScript or Dart event layer (and, for
    /// TypeScript, the message types through protoc-gen-es) into an output directory.
    Codegen {
        /// `ts` or `dart`.
        #[arg(value_parser = ["ts", "dart"])]
        lang: String,
        #[command(flatten)]
        schema: SchemaArgs,
        /// The output directory (created if needed); files there that the generator no longer
        /// produces are deleted.
        #[arg(long)]
        out: PathBuf,
        /// TypeScript: also generate the message types of the schema's own files with this
        /// protoc-gen-es executable (e.g. `node_modules/.bin/protoc-gen-es`).
        #[arg(long, value_name = "PATH")]
        protoc_gen_es: Option<PathBuf>,
        /// Dart: also write the runtime's table of protocol-code categories (the runtime package's
        /// own build only).
        #[arg(long, hide = true)]
        dart_runtime: Option<PathBuf>,
        /// Write nothing; fail if a file in the output directory is not what would be written.
        #[arg(long)]
        check: bool,
    },
    /// Writes the Markdown event reference of a schema.
    Docs {
        #[command(flatten)]
        schema: SchemaArgs,
        /// The file to write.
        #[arg(long, default_value = docs::EVENTS_MD)]
        out: PathBuf,
        /// Write nothing; fail if the file is not what would be written.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Subcommand)]
enum VectorsCommand {
    /// Writes the catalogue's cases into vectors/, keeping every existing id.
    Generate,
    /// Fails on any drift between vectors/ and what `generate` would write.
    Check,
}

#[derive(Subcommand)]
enum SchemaCommand {
    /// Event-table rules and proto style rules.
    Lint {
        #[command(flatten)]
        schema: SchemaArgs,
    },
    /// Breaking changes of a schema (protos and event tables) against an older revision.
    Breaking {
        #[command(flatten)]
        layout: LayoutArgs,
        /// An older revision: a directory in the same layout, a git revision, or a lock file
        /// (every version in it is checked).
        #[arg(long, default_value = breaking::PROJECT_LOCK)]
        against: String,
        /// Print the rules and exit.
        #[arg(long)]
        list_rules: bool,
    },
    /// Records the schema as a released version in the lock file.
    Lock {
        #[command(flatten)]
        layout: LayoutArgs,
        /// The lock file.
        #[arg(long, default_value = breaking::PROJECT_LOCK)]
        lock: PathBuf,
        /// Write the lock (refused if the schema breaks a version already in it).
        #[arg(long, required = true)]
        update: bool,
        /// The release being recorded, e.g. `1.2.0`.
        #[arg(long)]
        version: String,
    },
}

#[derive(clap::Args)]
struct LayoutArgs {
    /// A proto root (repeatable); every .proto under it is compiled and checked. Imports resolve
    /// across roots, so an app passes its own root and Eventwire's `schema/proto`.
    #[arg(long = "proto", default_value = "schema/proto")]
    protos: Vec<PathBuf>,
    /// The directory of event tables (`*.yaml`).
    #[arg(long, default_value = "schema/events")]
    tables: PathBuf,
}

/// A schema on disk: its proto roots and table directories.
#[derive(clap::Args)]
struct SchemaArgs {
    /// A proto root (repeatable): every .proto under it is the schema's. Imports resolve across
    /// roots, and the protocol's own files (`eventwire/v1/*.proto`) are always importable.
    #[arg(long = "proto", value_name = "DIR", default_value = "schema/proto")]
    protos: Vec<PathBuf>,
    /// A directory of event tables, `*.yaml` (repeatable).
    #[arg(long = "tables", value_name = "DIR", default_value = "schema/events")]
    tables: Vec<PathBuf>,
}

impl SchemaArgs {
    fn inputs(&self) -> codegen::Inputs {
        codegen::Inputs {
            protos: self.protos.clone(),
            tables: self.tables.clone(),
        }
    }
}

impl LayoutArgs {
    fn layout(&self) -> breaking::Layout {
        breaking::Layout {
            protos: self.protos.clone(),
            tables: self.tables.clone(),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("eventwire-tools: {e}");
            ExitCode::from(2)
        }
    }
}

/// `Ok(false)`: the command ran and found problems (printed).
fn run(cli: &Cli) -> Result<bool, String> {
    let vectors_dir = cli.root.join("vectors");
    match &cli.command {
        Command::Vectors {
            command: VectorsCommand::Generate,
        } => {
            let store = vectors::store::Store::read(&vectors_dir)
                .map_err(|e| format!("{}: {e}", vectors_dir.display()))?;
            let (files, mut problems) = store.parse();
            if problems.is_empty() {
                match vectors::generate::generate(&files, &store.retired) {
                    Ok(out) => {
                        vectors::store::write(&vectors_dir, &out).map_err(|e| e.to_string())?;
                        let n: usize = out.values().map(|f| f.cases.len()).sum();
                        println!(
                            "wrote {n} cases in {} files to {}",
                            out.len(),
                            vectors_dir.display()
                        );
                        return Ok(true);
                    }
                    Err(p) => problems = p,
                }
            }
            report(&problems);
            Ok(false)
        }
        Command::Vectors {
            command: VectorsCommand::Check,
        } => {
            let problems = vectors::check::check(&vectors_dir);
            report(&problems);
            if problems.is_empty() {
                println!("vectors: ok");
            }
            Ok(problems.is_empty())
        }
        Command::Schema {
            command: SchemaCommand::Lint { schema },
        } => {
            let inputs = codegen::Inputs {
                protos: schema.protos.clone(),
                tables: Vec::new(),
            };
            let compiled = codegen::compile(&inputs, &cli.root)?;
            let mut findings = Vec::new();
            for dir in &schema.tables {
                findings.extend(lint::lint_tables(&cli.root.join(dir), &compiled.pool));
            }
            findings.extend(lint::lint_proto_files(&compiled.pool, |f| {
                compiled.files.iter().any(|n| n == f.name())
            }));
            for f in &findings {
                eprintln!("{f}");
            }
            if findings.is_empty() {
                println!("schema lint: ok");
            }
            Ok(findings.is_empty())
        }
        Command::Schema {
            command:
                SchemaCommand::Breaking {
                    layout,
                    against,
                    list_rules,
                },
        } => {
            if *list_rules {
                print!("{}", breaking::rules::markdown_table());
                return Ok(true);
            }
            let against = breaking::Against::parse(&cli.root, against);
            let findings = breaking::check(&cli.root, &layout.layout(), &against)?;
            for f in &findings {
                eprintln!("{f}");
            }
            let errors = findings.iter().filter(|f| f.is_error()).count();
            let warnings = findings.len() - errors;
            if errors == 0 {
                println!("schema breaking: ok ({warnings} warning(s))");
            } else {
                eprintln!("schema breaking: {errors} breaking change(s), {warnings} warning(s)");
            }
            Ok(errors == 0)
        }
        Command::Schema {
            command:
                SchemaCommand::Lock {
                    layout,
                    lock,
                    update: _,
                    version,
                },
        } => {
            let path = cli.root.join(lock);
            let mut locked = if path.exists() {
                breaking::Lock::read(&path)?
            } else {
                breaking::Lock::new()
            };
            let layout = layout.layout();
            let now = breaking::current(&cli.root, &layout)?;
            let mut errors = 0;
            for v in &locked.versions {
                if v.version == *version {
                    continue;
                }
                for f in breaking::compare(
                    &v.schema,
                    &now,
                    &format!("{} version {}", path.display(), v.version),
                ) {
                    eprintln!("{f}");
                    errors += usize::from(f.is_error());
                }
            }
            if errors > 0 {
                eprintln!(
                    "schema lock: not updated: {errors} breaking change(s) against recorded versions"
                );
                return Ok(false);
            }
            if locked.record(version, now)? {
                std::fs::write(&path, locked.to_text())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                println!(
                    "wrote {} (version {version}; {} version(s) recorded)",
                    path.display(),
                    locked.versions.len()
                );
            } else {
                println!("{}: version {version} is up to date", path.display());
            }
            Ok(true)
        }
        Command::Codegen {
            lang,
            schema,
            out,
            protoc_gen_es,
            dart_runtime,
            check,
        } => {
            let (compiled, model) = codegen::load(&schema.inputs(), &cli.root)?;
            let output = match lang.as_str() {
                "ts" => codegen::typescript(&compiled, &model, protoc_gen_es.as_deref())?,
                _ => codegen::dart(&model),
            };
            let mut outputs = vec![(under(&cli.root, out), output)];
            if let Some(dir) = dart_runtime {
                let file = codegen::dart::protocol_codes_file(
                    &model,
                    &codegen::Params::new(codegen::generator(), "dart"),
                );
                outputs.push((
                    under(&cli.root, dir),
                    codegen::Output {
                        files: vec![file],
                        owns: Vec::new(),
                    },
                ));
            }
            let mut clean = true;
            for (dir, output) in &outputs {
                if *check {
                    let drift = output
                        .check(dir)
                        .map_err(|e| format!("{}: {e}", dir.display()))?;
                    for d in &drift {
                        eprintln!("{d}");
                    }
                    clean &= drift.is_empty();
                    if drift.is_empty() {
                        println!(
                            "codegen {lang}: {} up to date ({} files)",
                            dir.display(),
                            output.files.len()
                        );
                    }
                } else {
                    let changed = output
                        .write(dir)
                        .map_err(|e| format!("{}: {e}", dir.display()))?;
                    for path in &changed {
                        println!("wrote {path}");
                    }
                    println!(
                        "codegen {lang}: {} ({} files, {} changed)",
                        dir.display(),
                        output.files.len(),
                        changed.len()
                    );
                }
            }
            Ok(clean)
        }
        Command::Docs { schema, out, check } => {
            let (compiled, _) = codegen::load(&schema.inputs(), &cli.root)?;
            let text = docs::events_md(&compiled.tables);
            let path = under(&cli.root, out);
            if *check {
                let have = std::fs::read_to_string(&path).unwrap_or_default();
                if have != text {
                    eprintln!(
                        "{}: out of date; run `eventwire-tools docs` with the same arguments",
                        path.display()
                    );
                    return Ok(false);
                }
                println!("{}: up to date", path.display());
            } else {
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(true)
        }
    }
}

/// `path` under `root`, without a leading `./` for the default root.
fn under(root: &std::path::Path, path: &std::path::Path) -> PathBuf {
    if root == std::path::Path::new(".") {
        path.to_owned()
    } else {
        root.join(path)
    }
}

fn report(problems: &[String]) {
    for p in problems {
        eprintln!("{p}");
    }
    if !problems.is_empty() {
        eprintln!("{} problem(s)", problems.len());
    }
}

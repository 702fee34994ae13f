//! `eventwire-tools`: see `eventwire-tools help`.
//!
//! Exit codes: 0 success, 1 a check failed (drift, lint findings), 2 usage or I/O error.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use eventwire_tools::codegen::{TARGETS, model::Model};
use eventwire_tools::{breaking, docs, lint, vectors};

#[derive(Parser)]
#[command(name = "eventwire-tools", about = "Eventwire's tools: code generation, golden vectors, schema lint, docs.", version)]
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
    /// Writes the generated event layer of a front-end binding (bindings/<lang>/...).
    Codegen {
        /// `ts`, `dart`, or `all`.
        #[arg(value_parser = ["ts", "dart", "all"])]
        lang: String,
        /// Write nothing; fail if a checked-in file is not what would be written.
        #[arg(long)]
        check: bool,
    },
    /// Writes docs/events.md, the event reference.
    Docs {
        /// Write nothing; fail if docs/events.md is not what would be written.
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
    Lint,
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

impl LayoutArgs {
    fn layout(&self) -> breaking::Layout {
        breaking::Layout { protos: self.protos.clone(), tables: self.tables.clone() }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
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
        Command::Vectors { command: VectorsCommand::Generate } => {
            let store = vectors::store::Store::read(&vectors_dir).map_err(|e| format!("{}: {e}", vectors_dir.display()))?;
            let (files, mut problems) = store.parse();
            if problems.is_empty() {
                match vectors::generate::generate(&files, &store.retired) {
                    Ok(out) => {
                        vectors::store::write(&vectors_dir, &out).map_err(|e| e.to_string())?;
                        let n: usize = out.values().map(|f| f.cases.len()).sum();
                        println!("wrote {n} cases in {} files to {}", out.len(), vectors_dir.display());
                        return Ok(true);
                    }
                    Err(p) => problems = p,
                }
            }
            report(&problems);
            Ok(false)
        }
        Command::Vectors { command: VectorsCommand::Check } => {
            let problems = vectors::check::check(&vectors_dir);
            report(&problems);
            if problems.is_empty() {
                println!("vectors: ok");
            }
            Ok(problems.is_empty())
        }
        Command::Schema { command: SchemaCommand::Lint } => {
            let findings = lint::lint(&cli.root.join("schema/events"), eventwire_schema::descriptor_pool());
            for f in &findings {
                eprintln!("{f}");
            }
            if findings.is_empty() {
                println!("schema lint: ok");
            }
            Ok(findings.is_empty())
        }
        Command::Schema { command: SchemaCommand::Breaking { layout, against, list_rules } } => {
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
        Command::Schema { command: SchemaCommand::Lock { layout, lock, update: _, version } } => {
            let path = cli.root.join(lock);
            let mut locked = if path.exists() { breaking::Lock::read(&path)? } else { breaking::Lock::new() };
            let layout = layout.layout();
            let now = breaking::current(&cli.root, &layout)?;
            let mut errors = 0;
            for v in &locked.versions {
                if v.version == *version {
                    continue;
                }
                for f in breaking::compare(&v.schema, &now, &format!("{} version {}", path.display(), v.version)) {
                    eprintln!("{f}");
                    errors += usize::from(f.is_error());
                }
            }
            if errors > 0 {
                eprintln!("schema lock: not updated: {errors} breaking change(s) against recorded versions");
                return Ok(false);
            }
            if locked.record(version, now)? {
                std::fs::write(&path, locked.to_text()).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {} (version {version}; {} version(s) recorded)", path.display(), locked.versions.len());
            } else {
                println!("{}: version {version} is up to date", path.display());
            }
            Ok(true)
        }
        Command::Codegen { lang, check } => {
            let model = Model::from_tables(
                &eventwire_schema::Tables::load_dir(cli.root.join("schema/events"), eventwire_schema::descriptor_pool())
                    .map_err(|e| format!("schema/events: {e}"))?,
            );
            let mut clean = true;
            for target in TARGETS.iter().filter(|t| lang == "all" || t.name == lang) {
                if *check {
                    let drift = target.check(&model, &cli.root).map_err(|e| format!("codegen {}: {e}", target.name))?;
                    for d in &drift {
                        eprintln!("{d}");
                    }
                    clean &= drift.is_empty();
                    if drift.is_empty() {
                        println!("codegen {}: up to date", target.name);
                    }
                } else {
                    for path in target.write(&model, &cli.root).map_err(|e| format!("codegen {}: {e}", target.name))? {
                        println!("wrote {path}");
                    }
                }
            }
            Ok(clean)
        }
        Command::Docs { check } => {
            let tables = eventwire_schema::Tables::load_dir(cli.root.join("schema/events"), eventwire_schema::descriptor_pool())
                .map_err(|e| format!("schema/events: {e}"))?;
            let text = docs::events_md(&tables);
            let path = cli.root.join(docs::EVENTS_MD);
            if *check {
                let have = std::fs::read_to_string(&path).unwrap_or_default();
                if have != text {
                    eprintln!("{}: out of date; run `eventwire-tools docs`", docs::EVENTS_MD);
                    return Ok(false);
                }
                println!("{}: up to date", docs::EVENTS_MD);
            } else {
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(true)
        }
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

//! `schema breaking`: a breaking-change checker for any Eventwire application's schema (its
//! protos and its event tables), against an older revision: a directory, a git revision, or every
//! release recorded in a lock file. The rules are SPEC.md section 16's; [`rules::ALL`] lists them.
//!
//! The pipeline: [`source::Inputs`] (files, from disk or git) -> [`snapshot::Snapshot`] (compiled
//! with protox, tables loaded with `eventwire_schema::Tables`, the facts extracted) ->
//! [`compare::compare`] (older snapshot vs newer) -> [`compare::Finding`]s.

pub mod compare;
pub mod lock;
pub mod rules;
pub mod snapshot;
pub mod source;

use std::path::{Path, PathBuf};

pub use compare::{Finding, compare};
pub use lock::Lock;
pub use snapshot::Snapshot;
pub use source::Inputs;

/// Where the schema's files are, relative to a root directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub protos: Vec<PathBuf>,
    pub tables: PathBuf,
}

impl Layout {
    /// The Eventwire repository's own layout.
    pub fn project() -> Layout {
        Layout {
            protos: vec![PathBuf::from("schema/proto")],
            tables: PathBuf::from("schema/events"),
        }
    }
}

/// The project's own lock file, relative to the repository root.
pub const PROJECT_LOCK: &str = "schema/eventwire.lock.json";

/// What to check against.
#[derive(Debug, Clone)]
pub enum Against {
    /// A directory holding an older revision in the same layout.
    Dir(PathBuf),
    /// A git revision of the repository containing the root.
    Git(String),
    /// Every version of a lock file.
    Lock(PathBuf),
}

impl Against {
    /// A path to an existing file is a lock file, to a directory an older tree; anything else is
    /// taken for a git revision.
    pub fn parse(root: &Path, arg: &str) -> Against {
        let p = if root == Path::new(".") {
            PathBuf::from(arg)
        } else {
            root.join(arg)
        };
        if p.is_file() {
            Against::Lock(p)
        } else if p.is_dir() {
            Against::Dir(p)
        } else {
            Against::Git(arg.to_owned())
        }
    }
}

/// The older revisions `against` stands for, each with its name.
pub fn older(
    root: &Path,
    layout: &Layout,
    against: &Against,
) -> Result<Vec<(String, Snapshot)>, String> {
    match against {
        Against::Dir(dir) => {
            let inputs = Inputs::from_dirs(
                &dir.display().to_string(),
                dir,
                &layout.protos,
                &layout.tables,
            )?;
            Ok(vec![(inputs.label.clone(), Snapshot::build(&inputs)?)])
        }
        Against::Git(rev) => {
            let inputs = Inputs::from_git(rev, root, &layout.protos, &layout.tables)?;
            Ok(vec![(format!("git {rev}"), Snapshot::build(&inputs)?)])
        }
        Against::Lock(path) => {
            let lock = Lock::read(path)?;
            if lock.versions.is_empty() {
                return Err(format!(
                    "{}: records no version; run `eventwire-tools schema lock --update --version <v>`",
                    path.display()
                ));
            }
            Ok(lock
                .versions
                .into_iter()
                .map(|v| {
                    (
                        format!("{} version {}", path.display(), v.version),
                        v.schema,
                    )
                })
                .collect())
        }
    }
}

/// The schema under `root` now.
pub fn current(root: &Path, layout: &Layout) -> Result<Snapshot, String> {
    Snapshot::build(&Inputs::from_dirs(
        "working tree",
        root,
        &layout.protos,
        &layout.tables,
    )?)
}

/// Every finding of the schema under `root` against each older revision; findings repeated for
/// several revisions are reported once, for the oldest.
pub fn check(root: &Path, layout: &Layout, against: &Against) -> Result<Vec<Finding>, String> {
    let new = current(root, layout)?;
    let mut out: Vec<Finding> = Vec::new();
    for (label, old) in older(root, layout, against)? {
        for f in compare(&old, &new, &label) {
            if !out
                .iter()
                .any(|o| o.rule == f.rule && o.message == f.message && o.new_at == f.new_at)
            {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// The project's self-check: its schema against every release in its lock file. `Err` lists the
/// findings that fail it.
pub fn self_check(root: &Path) -> Result<Vec<Finding>, String> {
    let findings = check(
        root,
        &Layout::project(),
        &Against::Lock(root.join(PROJECT_LOCK)),
    )?;
    if findings.iter().any(Finding::is_error) {
        Err(findings
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n"))
    } else {
        Ok(findings)
    }
}

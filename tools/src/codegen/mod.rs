//! Front-end code generation from the one shared [`model::Model`]: each language is a
//! [`Target`], a generator plus the directory of checked-in files it owns.

use std::collections::BTreeSet;
use std::path::Path;

pub mod dart;
pub mod model;
pub mod ts;

/// One generated file: its path relative to the repository root and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// How a checked-in file differs from what its generator produces now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The generator produces the file but it is not on disk.
    Missing { path: String },
    /// The file on disk differs from the generator's output.
    Differs { path: String },
    /// A file in the output directory, with the generator's extension, that it no longer produces.
    Stale { path: String },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing { path } => write!(f, "{path}: missing (run `eventwire-tools codegen`)"),
            Drift::Differs { path } => write!(f, "{path}: out of date (run `eventwire-tools codegen`)"),
            Drift::Stale { path } => write!(f, "{path}: no longer generated; delete it"),
        }
    }
}

/// One front-end generator and the directory it owns: every file there with its extension is
/// either generated now or stale.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// As on the command line: `ts`, `dart`.
    pub name: &'static str,
    /// Relative to the repository root.
    pub out_dir: &'static str,
    /// Without the dot.
    pub extension: &'static str,
    pub generate: fn(&model::Model) -> Vec<GeneratedFile>,
}

impl Target {
    /// Compares the generated files with those under `repo_root`; an empty list means no drift.
    pub fn check(&self, model: &model::Model, repo_root: &Path) -> std::io::Result<Vec<Drift>> {
        let files = (self.generate)(model);
        let mut drift = Vec::new();
        for file in &files {
            match std::fs::read_to_string(repo_root.join(&file.path)) {
                Ok(on_disk) if on_disk == file.contents => {}
                Ok(_) => drift.push(Drift::Differs { path: file.path.clone() }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.push(Drift::Missing { path: file.path.clone() }),
                Err(e) => return Err(e),
            }
        }
        for path in self.stale_files(&files, repo_root)? {
            drift.push(Drift::Stale { path });
        }
        Ok(drift)
    }

    /// Writes the generated files under `repo_root` and deletes stale ones; returns the paths
    /// that changed (written or deleted), so that a clean tree reports none.
    pub fn write(&self, model: &model::Model, repo_root: &Path) -> std::io::Result<Vec<String>> {
        let files = (self.generate)(model);
        let mut changed = Vec::new();
        for file in &files {
            let path = repo_root.join(&file.path);
            if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &file.contents)?;
            changed.push(file.path.clone());
        }
        for path in self.stale_files(&files, repo_root)? {
            std::fs::remove_file(repo_root.join(&path))?;
            changed.push(path);
        }
        Ok(changed)
    }

    fn stale_files(&self, files: &[GeneratedFile], repo_root: &Path) -> std::io::Result<Vec<String>> {
        let expected: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let entries = match std::fs::read_dir(repo_root.join(self.out_dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let suffix = format!(".{}", self.extension);
        let mut stale = Vec::new();
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let path = format!("{}/{name}", self.out_dir);
            if name.ends_with(&suffix) && !expected.contains(path.as_str()) {
                stale.push(path);
            }
        }
        stale.sort();
        Ok(stale)
    }
}

/// Every front-end generator, in command-line order.
pub const TARGETS: [Target; 2] = [ts::TARGET, dart::TARGET];

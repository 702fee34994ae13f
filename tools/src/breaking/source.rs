//! The files of one schema revision, held in memory: proto roots and event tables, read from a
//! directory tree or from a git revision (`git ls-tree` / `git cat-file`, no checkout, no network).
//! Compiling them uses protox with an in-memory file resolver, so a revision from git is compiled
//! exactly like one on disk.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

use prost_reflect::DescriptorPool;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

/// One proto root: its files by import name (`eventwire/v1/errors.proto`).
#[derive(Debug, Clone, Default)]
pub struct ProtoRoot {
    /// The root as shown in messages, e.g. `schema/proto`.
    pub display: String,
    pub files: BTreeMap<String, String>,
}

impl ProtoRoot {
    /// Every `*.proto` under `root/path`, shown as `root/path`.
    pub fn read(root: &Path, path: &Path) -> Result<ProtoRoot, String> {
        let dir = root.join(path);
        let mut files = BTreeMap::new();
        walk(&dir, &dir, &mut files)?;
        if files.is_empty() {
            return Err(format!("{}: no .proto files", show(root, path)));
        }
        Ok(ProtoRoot {
            display: show(root, path),
            files,
        })
    }
}

/// Everything one revision consists of.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// What the revision is called in messages: `working tree`, a git revision, a lock version.
    pub label: String,
    pub protos: Vec<ProtoRoot>,
    /// `(path as shown, text)` of every table file, in file-name order.
    pub tables: Vec<(String, String)>,
}

impl Inputs {
    /// Reads every `*.proto` under each of `protos` and every `*.yaml` directly in `tables`.
    /// Paths are shown as `root/<path>`; `root` is where relative paths start.
    pub fn from_dirs(
        label: &str,
        root: &Path,
        protos: &[PathBuf],
        tables: &Path,
    ) -> Result<Inputs, String> {
        let mut inputs = Inputs {
            label: label.to_owned(),
            ..Inputs::default()
        };
        for p in protos {
            inputs.protos.push(ProtoRoot::read(root, p)?);
        }
        let dir = root.join(tables);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", show(root, tables)))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        names.sort();
        for n in names {
            let text = std::fs::read_to_string(&n).map_err(|e| format!("{}: {e}", n.display()))?;
            let shown = show(root, &tables.join(n.file_name().unwrap()));
            inputs.tables.push((shown, text));
        }
        Ok(inputs)
    }

    /// Reads the same paths as [`Inputs::from_dirs`] at git revision `rev` of the repository that
    /// contains `root`.
    pub fn from_git(
        rev: &str,
        root: &Path,
        protos: &[PathBuf],
        tables: &Path,
    ) -> Result<Inputs, String> {
        git(
            root,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| format!("`{rev}` is neither a directory, a lock file nor a git revision"))?;
        let mut inputs = Inputs {
            label: rev.to_owned(),
            ..Inputs::default()
        };
        for p in protos {
            let mut files = BTreeMap::new();
            for name in ls_tree(root, rev, p)? {
                if name.ends_with(".proto") {
                    let import_name = name
                        .strip_prefix(&format!("{}/", slash(p)))
                        .unwrap_or(&name)
                        .to_owned();
                    files.insert(import_name, cat(root, rev, &name)?);
                }
            }
            if files.is_empty() {
                return Err(format!("{}: no .proto files at {rev}", show(root, p)));
            }
            inputs.protos.push(ProtoRoot {
                display: show(root, p),
                files,
            });
        }
        let mut names: Vec<String> = ls_tree(root, rev, tables)?
            .into_iter()
            .filter(|n| n.ends_with(".yaml") && !n[slash(tables).len() + 1..].contains('/'))
            .collect();
        names.sort();
        for n in names {
            let text = cat(root, rev, &n)?;
            inputs.tables.push((show(root, Path::new(&n)), text));
        }
        Ok(inputs)
    }

    /// How a proto file is shown: the first root that has it, joined with its name.
    pub fn display_proto(&self, name: &str) -> String {
        self.protos
            .iter()
            .find(|r| r.files.contains_key(name))
            .map(|r| {
                if r.display.is_empty() || r.display == "." {
                    name.to_owned()
                } else {
                    format!("{}/{name}", r.display)
                }
            })
            .unwrap_or_else(|| name.to_owned())
    }

    /// Compiles every proto file of every root (imports resolve across roots, then to protox's
    /// copies of the `google/protobuf` files). Returns the pool, with custom options kept, and the
    /// names of the files the roots hold (the files that are checked).
    pub fn compile(&self) -> Result<(DescriptorPool, BTreeSet<String>), String> {
        let mut all = BTreeMap::new();
        for r in &self.protos {
            for (name, text) in &r.files {
                all.entry(name.clone()).or_insert_with(|| text.clone());
            }
        }
        let names: BTreeSet<String> = all.keys().cloned().collect();
        let mut chain = ChainFileResolver::new();
        chain.add(MemoryResolver { files: all });
        chain.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(chain);
        compiler.include_source_info(true).include_imports(true);
        for n in &names {
            compiler
                .open_file(n)
                .map_err(|e| self.compile_error(n, &e))?;
        }
        // Decoding the encoded set keeps custom options (the error categories) as extensions.
        let pool = DescriptorPool::decode(compiler.encode_file_descriptor_set().as_slice())
            .map_err(|e| format!("{}: descriptor set does not decode: {e}", self.label))?;
        Ok((pool, names))
    }
}

impl Inputs {
    /// `file:line:col: does not compile (revision): what`, from protox's diagnostic span.
    fn compile_error(&self, opened: &str, e: &protox::Error) -> String {
        use miette::Diagnostic;
        let name = e.file().unwrap_or(opened);
        let text = self.protos.iter().find_map(|r| r.files.get(name));
        let pos = e.labels().and_then(|mut l| l.next()).and_then(|l| {
            let before = text?.get(..l.offset())?;
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            Some(format!(":{line}:{col}"))
        });
        format!(
            "{}{}: does not compile ({}): {e}",
            self.display_proto(name),
            pos.unwrap_or_default(),
            self.label
        )
    }
}

struct MemoryResolver {
    files: BTreeMap<String, String>,
}

impl FileResolver for MemoryResolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.files.get(name) {
            Some(text) => File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn show(root: &Path, p: &Path) -> String {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        slash(p)
    } else {
        format!("{}/{}", root.display(), slash(p))
    }
}

fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            walk(base, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            let name = slash(path.strip_prefix(base).unwrap());
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            out.insert(name, text);
        }
    }
    Ok(())
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout)
        .map_err(|e| format!("git {}: output is not UTF-8: {e}", args.join(" ")))
}

/// Files under `path` (relative to `root`) at `rev`, as paths relative to `root`.
fn ls_tree(root: &Path, rev: &str, path: &Path) -> Result<Vec<String>, String> {
    // `--full-name` off: run in `root`, paths come relative to it.
    let out = git(
        root,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            rev,
            "--",
            &slash(path),
        ],
    )?;
    Ok(out
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn cat(root: &Path, rev: &str, path: &str) -> Result<String, String> {
    git(root, &["cat-file", "blob", &format!("{rev}:./{path}")])
}

//! Embeds the suite files and golden vectors, so the runner binary carries its cases with it.
//!
//! `vectors` and `SPEC.md` in this directory are links to the repository's own, so that the
//! packaged crate (and `cargo install eventwire-conformance`) carries the same data.

use std::{env, fs, path::Path};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    // A missing directory is an error, not an empty suite: a runner without its vectors would
    // pass everything it does not run.
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: cannot read the cases: {e}", dir.display()));
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            out.push((
                rel,
                p.canonicalize().expect("path exists").display().to_string(),
            ));
        }
    }
}

fn write(name: &str, dir: &Path, root: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(dir, root, &mut files);
    let mut code = String::from("&[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={abs}");
        code.push_str(&format!("    ({rel:?}, include_str!({abs:?})),\n"));
    }
    code.push(']');
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join(name), code).unwrap();
}

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap();
    let crate_dir = Path::new(&manifest);
    // Suite files are named from the repository's root (`conformance/suites/...`), as users see them.
    let repo = crate_dir.parent().unwrap_or(crate_dir);
    write("embedded_suites.rs", &crate_dir.join("suites"), repo);
    write("embedded_vectors.rs", &crate_dir.join("vectors"), crate_dir);
}

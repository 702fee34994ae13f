//! The published crate carries everything the runner embeds: `cargo install eventwire-conformance`
//! must give a binding author the same cases as a checkout. `vectors/` and `SPEC.md` live at the
//! repository's root and reach the crate through links, which `cargo package` follows.

use std::{collections::BTreeSet, path::Path, process::Command};

fn files_under(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, root, out);
        } else {
            out.insert(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

#[test]
fn the_packaged_crate_carries_the_vectors_the_suites_the_spec_and_the_licences() {
    let krate = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "-p",
            "eventwire-conformance",
        ])
        .current_dir(krate)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo package --list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();

    let mut wanted = BTreeSet::new();
    files_under(&krate.join("vectors"), krate, &mut wanted);
    files_under(&krate.join("suites"), krate, &mut wanted);
    assert!(
        wanted
            .iter()
            .filter(|f| f.starts_with("vectors/") && f.ends_with(".yaml"))
            .count()
            >= 10
    );
    for f in [
        "SPEC.md",
        "README.md",
        "INTERPRETING.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        wanted.insert(f.to_owned());
    }
    let missing: Vec<_> = wanted.difference(&listed).collect();
    assert!(missing.is_empty(), "not in the package: {missing:?}");
}

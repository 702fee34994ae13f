//! The backend role against an application's own backend: the to-do example's `todo-host
//! --stdio`, which mounts its `todo` module and the conformance module and nothing of the sample
//! application. Backend conformance rests on the conformance module alone (SPEC.md REQ-MOD-11):
//! every case passes except those needing a feature this backend does not have (`sample-app`)
//! or one connection cannot give (`subscribers`), which are skipped.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use eventwire_conformance::{
    case::{Case, Role},
    catalog,
    known_failing::KnownFailing,
    report::{Outcome, Summary},
    runner::run_quietly,
};

const TESTEE: &str = env!("CARGO_BIN_EXE_eventwire-conformance-testee");

/// `todo-host` of the same build as this test, built through cargo in the same target directory.
fn todo_host() -> PathBuf {
    let dir = Path::new(TESTEE).parent().expect("the testee lives in a directory");
    let host = dir.join(format!("todo-host{}", std::env::consts::EXE_SUFFIX));
    let profile = dir.file_name().and_then(|p| p.to_str()).unwrap_or("debug");
    let target_dir = dir.parent().expect("a profile directory has a parent");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "-p", "todo-app", "--bin", "todo-host"])
        .arg("--profile")
        .arg(if profile == "debug" { "dev" } else { profile })
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(built || host.exists(), "cannot build todo-host and {} does not exist", host.display());
    host
}

#[test]
fn the_backend_suite_passes_against_the_todo_apps_own_host() {
    let host = todo_host();
    let testee = format!(
        "{TESTEE} --backend-command \"'{}' --stdio\" --backend-not-ready-arg --not-ready --without-feature sample-app",
        host.display()
    );
    let cases: Vec<Case> = catalog::all().unwrap().into_iter().filter(|c| c.role == Role::Backend).collect();
    let records = run_quietly(Some(&testee), &cases, &KnownFailing::default(), Duration::from_secs(20));
    let not_passed: Vec<String> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_) | Outcome::CouldNotRun(_) | Outcome::UnexpectedPass))
        .map(|r| format!("{}: {}", r.name, r.outcome.message().unwrap_or("")))
        .collect();
    assert!(not_passed.is_empty(), "through todo-host --stdio:\n{}", not_passed.join("\n\n"));
    for (r, c) in records.iter().zip(&cases) {
        let unavailable = c.features.iter().any(|f| f == "subscribers" || f == catalog::SAMPLE_APP);
        assert_eq!(matches!(r.outcome, Outcome::Skipped(_)), unavailable, "{}: {:?}", c.name, r.outcome);
    }
    let s = Summary::of(&records);
    assert!(s.ok(), "{}", s.line());
    // The conformance module's cases are most of the backend role.
    assert!(s.passed > 100, "{}", s.line());
}

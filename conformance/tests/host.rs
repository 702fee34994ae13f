//! The whole backend suite through the stream transport: the reference testee plays the backend
//! role by starting `eventwire-host --stdio` (and, in the second test, the to-do example's own
//! `todo-host --stdio`) for each dispatch case. Every case must pass, except
//! those needing a feature a single stream connection cannot provide (extra subscribers; a
//! backend started not ready, until the host has a flag for it), which are skipped.

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

/// Binary `bin` of `package`, of the same build as this test: built (or brought up to date)
/// through cargo in the same target directory and profile; an existing binary is used if cargo
/// cannot run.
fn built(package: &str, bin: &str) -> PathBuf {
    let dir = Path::new(TESTEE)
        .parent()
        .expect("the testee lives in a directory");
    let path = dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    let profile = dir.file_name().and_then(|p| p.to_str()).unwrap_or("debug");
    let target_dir = dir.parent().expect("a profile directory has a parent");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    build
        .arg("--profile")
        .arg(if profile == "debug" { "dev" } else { profile });
    build.env("CARGO_TARGET_DIR", target_dir);
    let ok = build.status().map(|s| s.success()).unwrap_or(false);
    assert!(
        ok || path.exists(),
        "cannot build {bin} and {} does not exist",
        path.display()
    );
    path
}

/// The reference `eventwire-host`.
fn host() -> PathBuf {
    built("eventwire-reference", "eventwire-host")
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// The host's not-ready flag, if this version has one.
fn not_ready_flag(host: &Path) -> Option<&'static str> {
    let help = Command::new(host).arg("--help").output().ok()?;
    String::from_utf8_lossy(&help.stdout)
        .contains("--not-ready")
        .then_some("--not-ready")
}

#[test]
fn the_backend_suite_passes_through_eventwire_host_stdio() {
    let host = host();
    let flag = not_ready_flag(&host);
    let backend = format!("{} --stdio", quoted(&host));
    let mut testee = format!("{TESTEE} --backend-command \"{backend}\"");
    if let Some(flag) = flag {
        testee.push_str(&format!(" --backend-not-ready-arg {flag}"));
    }
    let cases: Vec<Case> = catalog::all()
        .unwrap()
        .into_iter()
        .filter(|c| c.role == Role::Backend)
        .collect();
    let records = run_quietly(
        Some(&testee),
        &cases,
        &KnownFailing::default(),
        Duration::from_secs(20),
    );
    assert_eq!(records.len(), cases.len());

    let not_passed: Vec<String> = records
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Failed(_) | Outcome::CouldNotRun(_) | Outcome::UnexpectedPass
            )
        })
        .map(|r| format!("{}: {}", r.name, r.outcome.message().unwrap_or("")))
        .collect();
    assert!(
        not_passed.is_empty(),
        "through eventwire-host --stdio:\n{}",
        not_passed.join("\n\n")
    );

    // Only what one stream connection cannot do is skipped, and everything else ran.
    let unavailable = |c: &Case| {
        c.features.iter().any(|f| f == "subscribers")
            || (flag.is_none() && c.features.iter().any(|f| f == "not-ready"))
    };
    for (r, c) in records.iter().zip(&cases) {
        assert_eq!(r.name, c.name);
        assert_eq!(
            matches!(r.outcome, Outcome::Skipped(_)),
            unavailable(c),
            "{}: {:?}",
            c.name,
            r.outcome
        );
    }
    let s = Summary::of(&records);
    assert!(s.ok());
    assert!(s.passed > 150, "{}", s.line());
    // The cases that need several requests in flight ran over the stream, and passed.
    assert!(records.iter().any(
        |r| r.name == "required/concurrency/overloaded-at-once" && r.outcome == Outcome::Passed
    ));
}

/// The backend role against an application's own backend: the to-do example's `todo-host
/// --stdio`, which mounts its `todo` module and the conformance module and nothing of the sample
/// application. Backend conformance rests on the conformance module alone (SPEC.md REQ-MOD-11):
/// every case passes except those needing a feature this backend does not have (`sample-app`)
/// or one connection cannot give (`subscribers`), which are skipped.
#[test]
fn the_backend_suite_passes_against_the_todo_apps_own_host() {
    let host = built("todo-app", "todo-host");
    let testee = format!(
        "{TESTEE} --backend-command \"{} --stdio\" --backend-not-ready-arg --not-ready --without-feature sample-app",
        quoted(&host)
    );
    let cases: Vec<Case> = catalog::all()
        .unwrap()
        .into_iter()
        .filter(|c| c.role == Role::Backend)
        .collect();
    let records = run_quietly(
        Some(&testee),
        &cases,
        &KnownFailing::default(),
        Duration::from_secs(20),
    );
    let not_passed: Vec<String> = records
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Failed(_) | Outcome::CouldNotRun(_) | Outcome::UnexpectedPass
            )
        })
        .map(|r| format!("{}: {}", r.name, r.outcome.message().unwrap_or("")))
        .collect();
    assert!(
        not_passed.is_empty(),
        "through todo-host --stdio:\n{}",
        not_passed.join("\n\n")
    );
    for (r, c) in records.iter().zip(&cases) {
        let unavailable = c
            .features
            .iter()
            .any(|f| f == "subscribers" || f == catalog::SAMPLE_APP);
        assert_eq!(
            matches!(r.outcome, Outcome::Skipped(_)),
            unavailable,
            "{}: {:?}",
            c.name,
            r.outcome
        );
    }
    let s = Summary::of(&records);
    assert!(s.ok(), "{}", s.line());
    // The conformance module's cases are most of the backend role.
    assert!(s.passed > 100, "{}", s.line());
}

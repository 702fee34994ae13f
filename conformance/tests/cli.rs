//! The runner's command line: summary line, exit status, known-failing edit, dump, reports.

use std::process::{Command, Stdio};

use eventwire_conformance::framing;
use eventwire_schema::testee_pb::{TesteeResponse, testee_response::Kind};
use prost::Message;

const RUNNER: &str = env!("CARGO_BIN_EXE_eventwire-conformance");
const TESTEE: &str = env!("CARGO_BIN_EXE_eventwire-conformance-testee");

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(RUNNER).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn summary(stdout: &str) -> &str {
    stdout.lines().rev().find(|l| l.contains(" passed, ")).unwrap()
}

/// How many cases of the catalogue a `--filter` selects.
fn count(filter: &str) -> usize {
    eventwire_conformance::catalog::all().unwrap().iter().filter(|c| c.name.contains(filter)).count()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("eventwire-conformance-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_reference_passes_and_the_summary_line_starts_with_the_counts() {
    let (ok, out) = run(&["--filter", "interpret-response"]);
    assert!(ok, "{out}");
    assert!(summary(&out).starts_with(&format!("{} passed, 0 failed", count("interpret-response"))), "{out}");
}

#[test]
fn a_failing_testee_fails_the_run_and_the_list_edit_is_printed() {
    let testee = format!("{TESTEE} --flaw map-insertion-order");
    let (ok, out) = run(&["--testee", &testee, "--role", "binding", "--filter", "encoding"]);
    assert!(!ok);
    let n = count("encoding");
    assert!(summary(&out).starts_with(&format!("{} passed, 4 failed", n - 4)), "{out}");
    assert!(out.contains("+ required/encoding/encode-bool-map-sorted"), "{out}");

    let list = scratch("known-failing.txt");
    std::fs::write(&list, "required/encoding/encode-*-map-sorted  # not a pattern that matches\nrequired/encoding/*\n").unwrap();
    let (ok, out) = run(&["--testee", &testee, "--role", "binding", "--filter", "encoding", "--known-failing", list.to_str().unwrap()]);
    assert!(!ok, "listed cases that pass must fail the run");
    assert!(out.contains("- required/encoding/encode-*-map-sorted    # line 1: matches no case"), "{out}");
    assert!(out.contains("- required/encoding/*    # line 2"), "{out}");
    assert!(out.contains("+ required/encoding/encode-string-map-sorted"), "{out}");

    std::fs::write(
        &list,
        "required/encoding/encode-string-map-sorted\nrequired/encoding/encode-signed-map-sorted\n\
         required/encoding/encode-uint64-map-sorted\nrequired/encoding/encode-bool-map-sorted\n",
    )
    .unwrap();
    let (ok, out) = run(&["--testee", &testee, "--role", "binding", "--filter", "encoding", "--known-failing", list.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(summary(&out).starts_with(&format!("{} passed, 0 failed, 0 skipped, 4 expected failures", n - 4)), "{out}");
}

#[test]
fn a_dumped_case_replays_without_the_runner() {
    let file = scratch("case.bin");
    let name = "required/interpret-response/err-with-flowy-error";
    let (ok, _) = run(&["--dump", name, "--output", file.to_str().unwrap()]);
    assert!(ok);
    let out = Command::new(TESTEE)
        .stdin(Stdio::from(std::fs::File::open(&file).unwrap()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut stdout = out.stdout.as_slice();
    let hello = TesteeResponse::decode(framing::read_frame(&mut stdout).unwrap().unwrap().as_slice()).unwrap();
    assert!(matches!(hello.kind, Some(Kind::Handshake(_))));
    let answer = TesteeResponse::decode(framing::read_frame(&mut stdout).unwrap().unwrap().as_slice()).unwrap();
    let Some(Kind::Case(result)) = answer.kind else { panic!("not a case result") };
    let case = eventwire_conformance::catalog::all().unwrap().into_iter().find(|c| c.name == name).unwrap();
    assert_eq!(eventwire_conformance::check::check(&case.expect, &result), Ok(()));
    assert_eq!(framing::read_frame(&mut stdout).unwrap(), None);
}

#[test]
fn reports_are_written() {
    let (json, junit) = (scratch("r.json"), scratch("r.xml"));
    let testee = format!("{TESTEE} --flaw error-as-text");
    let (ok, _) = run(&[
        "--testee", &testee, "--role", "binding", "--filter", "interpret-response",
        "--report", "json", json.to_str().unwrap(), "--report", "junit", junit.to_str().unwrap(),
    ]);
    assert!(!ok);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let failed = v["summary"]["failed"].as_u64().unwrap();
    assert!(failed > 0);
    assert_eq!(v["testee"]["implementations"][0]["name"], "eventwire-conformance-testee");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<failure").count() as u64, failed);
}

#[test]
fn a_case_that_could_not_run_is_counted_apart_and_fails_the_run() {
    let victim = "required/interpret-response/err-with-flowy-error";
    let testee = format!("{TESTEE} --flaw crash-on={victim}");
    let (ok, out) = run(&["--testee", &testee, "--role", "binding", "--filter", "interpret-response"]);
    assert!(!ok, "a case that could not run must fail the run:\n{out}");
    let n = count("interpret-response");
    assert!(summary(&out).starts_with(&format!("{} passed, 0 failed, 0 skipped, 0 expected failures, 1 could not run", n - 1)), "{out}");
    assert!(out.contains(&format!("+ {victim}")), "{out}");

    // Listed as known failing, it is an expected failure and the run succeeds.
    let list = scratch("could-not-run.txt");
    std::fs::write(&list, format!("{victim}\n")).unwrap();
    let (ok, out) =
        run(&["--testee", &testee, "--role", "binding", "--filter", "interpret-response", "--known-failing", list.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(summary(&out).starts_with(&format!("{} passed, 0 failed, 0 skipped, 1 expected failures, 0 could not run", n - 1)), "{out}");
}

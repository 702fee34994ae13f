//! The runner's command line: summary line, exit status, known-failing edit, dump, reports.

use std::process::{Command, Stdio};

use eventwire_conformance::framing;
use eventwire_schema::testee_pb::{TesteeResponse, testee_response::Kind};
use prost::Message;

const RUNNER: &str = env!("CARGO_BIN_EXE_eventwire-conformance");
const TESTEE: &str = env!("CARGO_BIN_EXE_eventwire-conformance-testee");

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(RUNNER).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn summary(stdout: &str) -> &str {
    stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap()
}

/// How many cases of the catalogue a `--filter` selects.
fn count(filter: &str) -> usize {
    eventwire_conformance::catalog::all()
        .unwrap()
        .iter()
        .filter(|c| c.name.contains(filter))
        .count()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("eventwire-conformance-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_reference_passes_and_the_summary_line_starts_with_the_counts() {
    let (ok, out) = run(&["--filter", "interpret-response"]);
    assert!(ok, "{out}");
    assert!(
        summary(&out).starts_with(&format!("{} passed, 0 failed", count("interpret-response"))),
        "{out}"
    );
}

#[test]
fn a_failing_testee_fails_the_run_and_the_list_edit_is_printed() {
    let testee = format!("{TESTEE} --flaw map-insertion-order");
    let (ok, out) = run(&[
        "--testee", &testee, "--role", "binding", "--filter", "encoding",
    ]);
    assert!(!ok);
    let n = count("encoding");
    assert!(
        summary(&out).starts_with(&format!("{} passed, 4 failed", n - 4)),
        "{out}"
    );
    assert!(
        out.contains("+ required/encoding/encode-bool-map-sorted"),
        "{out}"
    );

    let list = scratch("known-failing.txt");
    std::fs::write(&list, "required/encoding/encode-*-map-sorted  # not a pattern that matches\nrequired/encoding/*\n").unwrap();
    let (ok, out) = run(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "encoding",
        "--known-failing",
        list.to_str().unwrap(),
    ]);
    assert!(!ok, "listed cases that pass must fail the run");
    assert!(
        out.contains("- required/encoding/encode-*-map-sorted    # line 1: matches no case"),
        "{out}"
    );
    assert!(out.contains("- required/encoding/*    # line 2"), "{out}");
    assert!(
        out.contains("+ required/encoding/encode-string-map-sorted"),
        "{out}"
    );

    std::fs::write(
        &list,
        "required/encoding/encode-string-map-sorted\nrequired/encoding/encode-signed-map-sorted\n\
         required/encoding/encode-uint64-map-sorted\nrequired/encoding/encode-bool-map-sorted\n",
    )
    .unwrap();
    let (ok, out) = run(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "encoding",
        "--known-failing",
        list.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    assert!(
        summary(&out).starts_with(&format!(
            "{} passed, 0 failed, 0 skipped, 4 expected failures",
            n - 4
        )),
        "{out}"
    );
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
    let hello = TesteeResponse::decode(
        framing::read_frame(&mut stdout)
            .unwrap()
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    assert!(matches!(hello.kind, Some(Kind::Handshake(_))));
    let answer = TesteeResponse::decode(
        framing::read_frame(&mut stdout)
            .unwrap()
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let Some(Kind::Case(result)) = answer.kind else {
        panic!("not a case result")
    };
    let case = eventwire_conformance::catalog::all()
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap();
    assert_eq!(
        eventwire_conformance::check::check(&case.expect, &result),
        Ok(())
    );
    assert_eq!(framing::read_frame(&mut stdout).unwrap(), None);
}

#[test]
fn reports_are_written() {
    let (json, junit) = (scratch("r.json"), scratch("r.xml"));
    let testee = format!("{TESTEE} --flaw error-as-text");
    let (ok, _) = run(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "interpret-response",
        "--report",
        "json",
        json.to_str().unwrap(),
        "--report",
        "junit",
        junit.to_str().unwrap(),
    ]);
    assert!(!ok);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let failed = v["summary"]["failed"].as_u64().unwrap();
    assert!(failed > 0);
    assert_eq!(
        v["testee"]["implementations"][0]["name"],
        "eventwire-conformance-testee"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<failure").count() as u64, failed);
}

#[test]
fn a_case_that_could_not_run_is_counted_apart_and_fails_the_run() {
    let victim = "required/interpret-response/err-with-flowy-error";
    let testee = format!("{TESTEE} --flaw crash-on={victim}");
    let (ok, out) = run(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "interpret-response",
    ]);
    assert!(!ok, "a case that could not run must fail the run:\n{out}");
    let n = count("interpret-response");
    assert!(
        summary(&out).starts_with(&format!(
            "{} passed, 0 failed, 0 skipped, 0 expected failures, 1 could not run",
            n - 1
        )),
        "{out}"
    );
    assert!(out.contains(&format!("+ {victim}")), "{out}");

    // Listed as known failing, it is an expected failure and the run succeeds.
    let list = scratch("could-not-run.txt");
    std::fs::write(&list, format!("{victim}\n")).unwrap();
    let (ok, out) = run(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "interpret-response",
        "--known-failing",
        list.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    assert!(
        summary(&out).starts_with(&format!(
            "{} passed, 0 failed, 0 skipped, 1 expected failures, 0 could not run",
            n - 1
        )),
        "{out}"
    );
}

/// Exit status, stdout and stderr.
fn run_full(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(RUNNER).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_exit_status_tells_required_failures_from_recommended_only_ones() {
    // drop-unknown-fields fails exactly two recommended cases (strictness.rs).
    let testee = format!("{TESTEE} --flaw drop-unknown-fields");
    let (code, out, _) = run_full(&[
        "--testee", &testee, "--role", "binding", "--filter", "encoding",
    ]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("REQ-CONF-3"), "{out}");
    let testee = format!("{TESTEE} --flaw map-insertion-order");
    let (code, out, _) = run_full(&[
        "--testee", &testee, "--role", "binding", "--filter", "encoding",
    ]);
    assert_eq!(code, Some(1), "{out}");
    let (code, _, _) = run_full(&["--role", "binding", "--filter", "interpret-response"]);
    assert_eq!(code, Some(0));
}

#[test]
fn the_json_report_carries_what_a_claim_publishes() {
    let json = scratch("claim.json");
    let list = scratch("claim-known-failing.txt");
    std::fs::write(&list, "# round trips drop unknown fields for now\nrecommended/encoding/round-trip-keeps-unknown-fields\n").unwrap();
    let testee = format!("{TESTEE} --flaw drop-unknown-fields");
    let (code, out, _) = run_full(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "encoding",
        "--known-failing",
        list.to_str().unwrap(),
        "--report",
        "json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(3), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["spec_version"], "eventwire.v1");
    assert!(v["suite_version"].as_str().is_some_and(|s| !s.is_empty()));
    let imp = &v["testee"]["implementations"][0];
    assert_eq!(imp["name"], "eventwire-conformance-testee");
    assert!(
        imp["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "preserve-unknown-fields"),
        "{imp}"
    );
    assert_eq!(imp["roles"], serde_json::json!(["binding", "backend"]));
    assert_eq!(
        v["known_failing"]["patterns"],
        serde_json::json!(["recommended/encoding/round-trip-keeps-unknown-fields"])
    );
    assert_eq!(v["summary"]["recommended"]["failed"], 1);
    assert_eq!(v["summary"]["recommended"]["expected_failures"], 1);
    assert_eq!(v["summary"]["required"]["failed"], 0);
    assert_eq!(v["summary"]["exit_status"], 3);
    assert_eq!(v["selection"], "encoding");
    assert!(
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["level"].is_string())
    );
}

#[test]
fn a_testee_that_fails_its_handshake_stops_the_run_with_one_message() {
    let (code, out, err) = run_full(&[
        "--testee",
        "sh -c 'echo not a testee >&2; exit 3'",
        "--role",
        "binding",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("could not start")
            && err.contains("not a testee")
            && err.contains("exit status 3"),
        "{err}"
    );
    assert!(
        !out.contains("FAILED") && !out.contains("COULD NOT RUN") && !out.contains("+ required/"),
        "{out}"
    );
    assert!(out.lines().count() + err.lines().count() < 12, "{out}{err}");
}

#[test]
fn the_stderr_tail_of_a_testee_that_exits_at_once_is_never_lost() {
    // The tail used to be read before the pipe was drained: lost 4 of 4 times with an immediate
    // exit. Now the runner waits for the end of stderr.
    for _ in 0..8 {
        let (_, _, err) = run_full(&[
            "--testee",
            "sh -c 'echo last words >&2; exit 3'",
            "--role",
            "binding",
        ]);
        assert!(err.contains("last words"), "{err}");
    }
}

#[test]
fn a_missing_command_is_named_and_text_on_stdout_is_shown_as_text() {
    let (_, _, err) = run_full(&["--testee", "/nonexistent/testee", "--role", "binding"]);
    assert!(err.contains("command not found"), "{err}");
    let (_, _, err) = run_full(&[
        "--testee",
        "echo hello from the testee",
        "--role",
        "binding",
    ]);
    assert!(
        err.contains("\"hello from the testee\"") && err.contains("stdout"),
        "{err}"
    );
}

#[test]
fn a_hung_testee_is_stopped_not_crashed() {
    let victim = "required/interpret-response/ok-with-output";
    let testee = format!("{TESTEE} --flaw hang-on={victim}");
    let (code, out, _) = run_full(&[
        "--testee",
        &testee,
        "--filter",
        victim,
        "--exact",
        "--timeout-ms",
        "3000",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("was stopped") && !out.contains("crashed"),
        "{out}"
    );
    // A testee that closes its output but does not exit is stopped by the runner, and the
    // message says so instead of reporting the runner's own SIGKILL as the testee's crash.
    let (_, _, err) = run_full(&["--testee", "sh -c 'exec sleep 30 >&-'", "--role", "binding"]);
    assert!(
        err.contains("the runner stopped it") && !err.contains("signal"),
        "{err}"
    );
}

#[test]
fn filters_and_names_that_match_nothing_fail_and_listed_names_are_accepted() {
    for args in [
        &["--filter", "no-such-case"][..],
        &["--exact", "required/encoding/nope"],
        &["--dump", "required/encoding/nope"],
        &["--explain", "nope"],
    ] {
        let (code, out, err) = run_full(args);
        assert_eq!(code, Some(2), "{args:?}: {out}{err}");
        assert!(err.contains("no case"), "{err}");
    }
    let (_, _, err) = run_full(&["--dump", "required/interpret-response/err-with-flowy-eror"]);
    assert!(
        err.contains("did you mean `required/interpret-response/err-with-flowy-error`"),
        "{err}"
    );
    // Every --list line is a name --exact and --dump accept.
    let (code, out, _) = run_full(&["--list", "--filter", "build-request"]);
    assert_eq!(code, Some(0));
    let names: Vec<&str> = out.lines().collect();
    assert_eq!(names.len(), count("build-request"));
    for name in names.iter().take(3) {
        let (code, _, err) = run_full(&["--exact", name, "--list"]);
        assert_eq!(code, Some(0), "{name}: {err}");
        let (code, _, err) = run_full(&[
            "--dump",
            name,
            "--output",
            scratch("listed.bin").to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{name}: {err}");
    }
    // A report path that cannot be written is refused before the run.
    let (code, out, err) = run_full(&[
        "--filter",
        "build-request",
        "--report",
        "json",
        "/nonexistent/dir/r.json",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--report") && !out.contains("test ["),
        "{out}{err}"
    );
}

#[test]
fn the_per_case_lines_and_the_summary_use_one_vocabulary() {
    let list = scratch("vocabulary.txt");
    std::fs::write(&list, "required/encoding/encode-string-map-sorted\n").unwrap();
    let testee = format!("{TESTEE} --flaw map-insertion-order");
    let (_, out, _) = run_full(&[
        "--testee",
        &testee,
        "--role",
        "binding",
        "--filter",
        "encoding",
        "--known-failing",
        list.to_str().unwrap(),
    ]);
    assert!(out.contains("... expected failure"), "{out}");
    assert!(
        !out.contains("ignored") && !out.contains("filtered out"),
        "{out}"
    );
    assert!(
        out.contains(&format!("running {} cases (", count("encoding"))),
        "{out}"
    );
}

#[test]
fn explain_prints_the_doc_the_requirements_and_the_request_as_proto_json() {
    let (code, out, _) = run_full(&[
        "--explain",
        "required/pipeline/cancel-after-answer-is-ignored",
    ]);
    assert_eq!(code, Some(0));
    assert!(out.contains("REQ-TIME-5: [required]"), "{out}");
    assert!(out.contains("certainly after it"), "{out}");
    assert!(out.contains("\"cancelAfterAnswer\":true"), "{out}");
    assert!(
        out.contains("decoded as eventwire.v1.FFIRequest") && out.contains("\"event\":\"Ping\""),
        "{out}"
    );
    // And a dump decodes back to the same request.
    let file = scratch("explained.bin");
    run_full(&[
        "--dump",
        "required/pipeline/cancel-after-answer-is-ignored",
        "--output",
        file.to_str().unwrap(),
    ]);
    let (code, out, _) = run_full(&["--decode", file.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("\"handshake\"") && lines[1].contains("\"cancelAfterAnswer\":true"),
        "{out}"
    );
}

/// The stream-client cases catch a front end that ignores the handshake's outcome and one that
/// reads a fault with id 0 as refusing a pending request, and only the cases about each.
#[test]
fn the_stream_client_cases_catch_handshake_and_fault_id_flaws() {
    let failed = |flaw: &str| -> Vec<String> {
        let testee = format!("{TESTEE} --flaw {flaw}");
        let (ok, out) = run(&[
            "--testee",
            &testee,
            "--role",
            "binding",
            "--filter",
            "stream-client",
        ]);
        assert!(!ok, "{out}");
        out.lines()
            .filter(|l| l.ends_with(" ... FAILED"))
            .map(|l| {
                l.trim_start_matches("test [binding] ")
                    .trim_end_matches(" ... FAILED")
                    .to_owned()
            })
            .collect()
    };
    let ignoring = failed("ignore-handshake-outcome");
    for case in [
        "handshake-identical",
        "handshake-compatible-missing-events-fail-locally",
        "handshake-incompatible-names-the-first-differing-event",
        "handshake-incompatible-protocol-version",
    ] {
        assert!(
            ignoring.iter().any(|f| f.ends_with(&format!("/{case}"))),
            "{case} not in {ignoring:?}"
        );
    }
    assert!(
        !ignoring
            .iter()
            .any(|f| f.ends_with("/version-1-backend-without-handshake-keeps-working")),
        "{ignoring:?}"
    );
    assert_eq!(
        failed("fault-id-zero-fails-oldest"),
        ["required/stream-client/fault-with-id-0-completes-no-request"]
    );
}

//! The suite is strict: wrong implementations fail the cases they should, a null implementation
//! passes almost nothing, and a crash costs exactly one case.

use std::time::Duration;

use eventwire_conformance::{
    case::{Case, Role},
    catalog,
    known_failing::KnownFailing,
    report::{Outcome, Record, Summary},
    runner::run_quietly,
};

const TESTEE: &str = env!("CARGO_BIN_EXE_eventwire-conformance-testee");
const TIMEOUT: Duration = Duration::from_secs(10);

fn binding_cases() -> Vec<Case> {
    catalog::all().unwrap().into_iter().filter(|c| c.role == Role::Binding).collect()
}

fn run(flaw: &str, cases: &[Case]) -> Vec<Record> {
    run_quietly(Some(&format!("{TESTEE} --flaw {flaw}")), cases, &KnownFailing::default(), TIMEOUT)
}

fn failed(records: &[Record]) -> Vec<String> {
    records.iter().filter(|r| !matches!(r.outcome, Outcome::Passed)).map(|r| r.name.clone()).collect()
}

#[test]
fn the_reference_testee_process_passes_every_binding_case() {
    let records = run_quietly(Some(TESTEE), &binding_cases(), &KnownFailing::default(), TIMEOUT);
    assert!(!records.is_empty());
    assert_eq!(failed(&records), Vec::<String>::new());
}

#[test]
fn a_null_testee_scores_near_zero() {
    let cases = catalog::all().unwrap();
    let records = run("null", &cases);
    let s = Summary::of(&records);
    assert_eq!(records.len(), cases.len());
    assert!(s.passed * 20 < records.len(), "a testee that answers everything the same passed {} of {}", s.passed, records.len());
}

#[test]
fn reading_error_payloads_as_text_fails_the_error_cases() {
    let f = failed(&run("error-as-text", &binding_cases())).join("\n");
    for name in [
        "required/interpret-response/err-with-flowy-error",
        "required/interpret-response/status-internal-is-an-error",
        "required/interpret-response/unknown-error-code-keeps-its-category",
        "required/interpret-response/err-payload-is-text",
    ] {
        assert!(f.contains(name), "{name} passed:\n{f}");
    }
    assert!(!f.contains("required/interpret-response/ok-with-output"), "{f}");
}

#[test]
fn routing_by_ty_alone_fails_the_routing_cases() {
    let f = failed(&run("route-by-ty-alone", &binding_cases())).join("\n");
    assert!(f.contains("required/notification-routing/same-ty-in-three-sources"), "{f}");
    assert!(f.contains("required/notification-routing/id-filters"), "{f}");
    assert!(!f.contains("required/notification-routing/error-notification"), "{f}");
}

#[test]
fn encoding_maps_in_insertion_order_fails_the_map_cases() {
    let f = failed(&run("map-insertion-order", &binding_cases()));
    for name in [
        "required/encoding/encode-string-map-sorted",
        "required/encoding/encode-signed-map-sorted",
        "required/encoding/encode-uint64-map-sorted",
        "required/encoding/encode-bool-map-sorted",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed");
    }
    // Only map cases fail: the flaw is that narrow, and so are the cases that catch it.
    assert!(f.iter().all(|n| n.contains("map")), "{f:?}");
}

#[test]
fn dropping_unknown_fields_fails_the_preservation_cases() {
    let f = failed(&run("drop-unknown-fields", &binding_cases()));
    assert_eq!(f, vec!["recommended/encoding/round-trip-keeps-unknown-fields", "recommended/encoding/round-trip-keeps-nested-unknown-fields"]);
}

#[test]
fn a_crash_costs_exactly_that_case_and_the_testee_is_restarted() {
    let cases = binding_cases();
    let victim = "required/interpret-response/err-with-flowy-error";
    let records = run(&format!("crash-on={victim}"), &cases);
    assert_eq!(records.len(), cases.len());
    for r in &records {
        if r.name == victim {
            assert!(matches!(&r.outcome, Outcome::CouldNotRun(m) if m.contains("crashed")), "{:?}", r.outcome);
        } else {
            assert_eq!(r.outcome, Outcome::Passed, "{}", r.name);
        }
    }
    let s = Summary::of(&records);
    assert_eq!((s.could_not_run, s.passed), (1, cases.len() - 1));
    assert!(!s.ok());
}

#[test]
fn a_hang_costs_exactly_that_case() {
    let cases: Vec<Case> = binding_cases().into_iter().filter(|c| c.area == "interpret-response").collect();
    let victim = "required/interpret-response/ok-with-output";
    let records = run_quietly(
        Some(&format!("{TESTEE} --flaw hang-on={victim}")),
        &cases,
        &KnownFailing::default(),
        Duration::from_millis(300),
    );
    let not_passed = failed(&records);
    assert_eq!(not_passed, vec![victim]);
    assert!(matches!(&records[0].outcome, Outcome::CouldNotRun(m) if m.contains("did not answer")));
}

#[test]
fn known_failing_turns_failures_into_expected_ones_and_a_listed_pass_into_a_failure() {
    let cases = binding_cases();
    let known = KnownFailing::parse("required/encoding/encode-*-map-sorted\nrequired/encoding/**\n");
    // `encode-*-map-sorted` is not a whole-part wildcard, so only `**` matters here.
    let records = run_quietly(Some(&format!("{TESTEE} --flaw map-insertion-order")), &cases, &known, TIMEOUT);
    let outcome = |n: &str| records.iter().find(|r| r.name == n).unwrap().outcome.clone();
    assert!(matches!(outcome("required/encoding/encode-string-map-sorted"), Outcome::ExpectedFailure(_)));
    assert_eq!(outcome("required/encoding/decode-non-canonical"), Outcome::UnexpectedPass);
    assert!(!Summary::of(&records).ok());
}

#[test]
fn a_testee_that_does_not_start_could_not_run_anything() {
    let cases: Vec<Case> = binding_cases().into_iter().take(3).collect();
    let records = run_quietly(Some("/nonexistent/testee"), &cases, &KnownFailing::default(), TIMEOUT);
    assert!(records.iter().all(|r| matches!(r.outcome, Outcome::CouldNotRun(_))));
}

/// Cases that ran and did not pass (skipped ones are left out).
fn failures(records: &[Record]) -> Vec<String> {
    records.iter().filter(|r| !matches!(r.outcome, Outcome::Passed | Outcome::Skipped(_))).map(|r| r.name.clone()).collect()
}

fn backend_area(area: &str) -> Vec<Case> {
    catalog::all().unwrap().into_iter().filter(|c| c.role == Role::Backend && c.area == area).collect()
}

#[test]
fn the_reference_testee_process_passes_every_backend_case() {
    let cases: Vec<Case> = catalog::all().unwrap().into_iter().filter(|c| c.role == Role::Backend).collect();
    let records = run_quietly(Some(TESTEE), &cases, &KnownFailing::default(), TIMEOUT);
    assert_eq!(records.len(), cases.len());
    assert_eq!(failures(&records), Vec::<String>::new());
    // In process there are no frames; every other feature is declared.
    for (r, c) in records.iter().zip(&cases) {
        let frames = c.features.iter().any(|f| f == "frame-limit" || f == "stream-frames");
        assert_eq!(matches!(r.outcome, Outcome::Skipped(_)), frames, "{}", c.name);
    }
}

#[test]
fn a_backend_that_waits_for_each_answer_fails_every_concurrency_case() {
    let cases = backend_area("concurrency");
    assert!(cases.len() >= 5);
    let f = failed(&run("serial", &cases));
    let names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    assert_eq!(f, names);
}

#[test]
fn a_subscriber_queue_without_its_bound_fails_the_drop_case_only() {
    let f = failed(&run("default-queues", &backend_area("subscribers")));
    assert_eq!(f, vec!["required/subscribers/slow-subscriber-drops", "required/subscribers/trailing-drops-are-marked"]);
}

#[test]
fn an_empty_capability_set_read_as_all_fails_the_deny_all_case() {
    let cases: Vec<Case> = catalog::all().unwrap().into_iter().filter(|c| c.role == Role::Backend).collect();
    let f = failures(&run("empty-capabilities-allow-all", &cases));
    assert_eq!(
        f,
        vec!["required/pipeline/capability-empty-set-denies-everything", "required/vectors-reject/route-permission-empty-set"]
    );
}

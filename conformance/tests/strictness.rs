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
    catalog::all()
        .unwrap()
        .into_iter()
        .filter(|c| c.role == Role::Binding)
        .collect()
}

fn run(flaw: &str, cases: &[Case]) -> Vec<Record> {
    run_quietly(
        Some(&format!("{TESTEE} --flaw {flaw}")),
        cases,
        &KnownFailing::default(),
        TIMEOUT,
    )
}

fn failed(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Passed))
        .map(|r| r.name.clone())
        .collect()
}

#[test]
fn the_reference_testee_process_passes_every_binding_case() {
    let records = run_quietly(
        Some(TESTEE),
        &binding_cases(),
        &KnownFailing::default(),
        TIMEOUT,
    );
    assert!(!records.is_empty());
    assert_eq!(failed(&records), Vec::<String>::new());
}

#[test]
fn a_null_testee_scores_near_zero() {
    let cases = catalog::all().unwrap();
    let records = run("null", &cases);
    let s = Summary::of(&records);
    assert_eq!(records.len(), cases.len());
    assert!(
        s.passed * 20 < records.len(),
        "a testee that answers everything the same passed {} of {}",
        s.passed,
        records.len()
    );
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
    assert!(
        !f.contains("required/interpret-response/ok-with-output"),
        "{f}"
    );
}

#[test]
fn routing_by_ty_alone_fails_the_routing_cases() {
    let f = failed(&run("route-by-ty-alone", &binding_cases())).join("\n");
    assert!(
        f.contains("required/notification-routing/same-ty-in-three-sources"),
        "{f}"
    );
    assert!(
        f.contains("required/notification-routing/id-filters"),
        "{f}"
    );
    assert!(
        !f.contains("required/notification-routing/error-notification"),
        "{f}"
    );
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
    assert_eq!(
        f,
        vec![
            "recommended/encoding/round-trip-keeps-unknown-fields",
            "recommended/encoding/round-trip-keeps-nested-unknown-fields"
        ]
    );
}

#[test]
fn a_crash_costs_exactly_that_case_and_the_testee_is_restarted() {
    let cases = binding_cases();
    let victim = "required/interpret-response/err-with-flowy-error";
    let records = run(&format!("crash-on={victim}"), &cases);
    assert_eq!(records.len(), cases.len());
    for r in &records {
        if r.name == victim {
            assert!(
                matches!(&r.outcome, Outcome::CouldNotRun(m) if m.contains("crashed")),
                "{:?}",
                r.outcome
            );
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
    let cases: Vec<Case> = binding_cases()
        .into_iter()
        .filter(|c| c.area == "interpret-response")
        .collect();
    let victim = "required/interpret-response/ok-with-output";
    let records = run_quietly(
        Some(&format!("{TESTEE} --flaw hang-on={victim}")),
        &cases,
        &KnownFailing::default(),
        // Long enough that the restarted testee's handshake and the other cases never miss it,
        // however loaded the machine; the hang costs it once.
        Duration::from_secs(5),
    );
    let not_passed = failed(&records);
    assert_eq!(not_passed, vec![victim]);
    assert!(matches!(&records[0].outcome, Outcome::CouldNotRun(m) if m.contains("did not answer")));
}

#[test]
fn known_failing_turns_failures_into_expected_ones_and_a_listed_pass_into_a_failure() {
    let cases = binding_cases();
    let known =
        KnownFailing::parse("required/encoding/encode-*-map-sorted\nrequired/encoding/**\n");
    // `encode-*-map-sorted` is not a whole-part wildcard, so only `**` matters here.
    let records = run_quietly(
        Some(&format!("{TESTEE} --flaw map-insertion-order")),
        &cases,
        &known,
        TIMEOUT,
    );
    let outcome = |n: &str| {
        records
            .iter()
            .find(|r| r.name == n)
            .unwrap()
            .outcome
            .clone()
    };
    assert!(matches!(
        outcome("required/encoding/encode-string-map-sorted"),
        Outcome::ExpectedFailure(_)
    ));
    assert_eq!(
        outcome("required/encoding/decode-non-canonical"),
        Outcome::UnexpectedPass
    );
    assert!(!Summary::of(&records).ok());
}

#[test]
fn a_testee_that_does_not_start_could_not_run_anything() {
    let cases: Vec<Case> = binding_cases().into_iter().take(3).collect();
    let records = run_quietly(
        Some("/nonexistent/testee"),
        &cases,
        &KnownFailing::default(),
        TIMEOUT,
    );
    assert!(
        records
            .iter()
            .all(|r| matches!(r.outcome, Outcome::CouldNotRun(_)))
    );
}

/// Cases that ran and did not pass (skipped ones are left out).
fn failures(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Passed | Outcome::Skipped(_)))
        .map(|r| r.name.clone())
        .collect()
}

fn backend_area(area: &str) -> Vec<Case> {
    catalog::all()
        .unwrap()
        .into_iter()
        .filter(|c| c.role == Role::Backend && c.area == area)
        .collect()
}

#[test]
fn the_reference_testee_process_passes_every_backend_case() {
    let cases: Vec<Case> = catalog::all()
        .unwrap()
        .into_iter()
        .filter(|c| c.role == Role::Backend)
        .collect();
    let records = run_quietly(Some(TESTEE), &cases, &KnownFailing::default(), TIMEOUT);
    assert_eq!(records.len(), cases.len());
    assert_eq!(failures(&records), Vec::<String>::new());
    // In process there are no frames; every other feature is declared.
    for (r, c) in records.iter().zip(&cases) {
        let frames = c
            .features
            .iter()
            .any(|f| f == "frame-limit" || f == "stream-frames");
        assert_eq!(
            matches!(r.outcome, Outcome::Skipped(_)),
            frames,
            "{}",
            c.name
        );
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
    assert_eq!(
        f,
        vec![
            "required/subscribers/slow-subscriber-drops",
            "required/subscribers/trailing-drops-are-marked"
        ]
    );
}

#[test]
fn an_empty_capability_set_read_as_all_fails_the_deny_all_case() {
    let cases: Vec<Case> = catalog::all()
        .unwrap()
        .into_iter()
        .filter(|c| c.role == Role::Backend)
        .collect();
    let f = failures(&run("empty-capabilities-allow-all", &cases));
    assert_eq!(
        f,
        vec![
            "required/pipeline/capability-empty-set-denies-everything",
            "required/vectors-reject/route-permission-empty-set"
        ]
    );
}

#[test]
fn a_binding_without_a_listener_api_is_skipped_not_failed_on_every_routing_case() {
    let cases = binding_cases();
    let routing: Vec<&Case> = cases
        .iter()
        .filter(|c| {
            matches!(
                c.op,
                eventwire_schema::testee_pb::case::Op::RouteNotifications(_)
            )
        })
        .collect();
    assert!(routing.len() >= 19, "{}", routing.len());
    let records = run("no-listener-api", &cases);
    assert_eq!(failures(&records), Vec::<String>::new());
    for c in routing {
        let r = records.iter().find(|r| r.name == c.name).unwrap();
        assert!(
            matches!(&r.outcome, Outcome::Skipped(why) if why.contains("notification-routing")),
            "{}: {:?}",
            c.name,
            r.outcome
        );
    }
}

#[test]
fn a_binding_that_skips_wrong_wire_types_fails_only_recommended_cases() {
    // REQ-ENC-12 is a SHOULD for bindings: such a binding may still claim conformance.
    let f = failures(&run("lenient-wire-types", &binding_cases()));
    assert!(
        !f.is_empty(),
        "no case depends on rejecting a wrong wire type"
    );
    let required: Vec<&String> = f.iter().filter(|n| n.starts_with("required/")).collect();
    assert!(
        required.is_empty(),
        "required cases depend on REQ-ENC-12: {required:?}"
    );
    assert!(
        f.iter()
            .any(|n| n == "recommended/interpret-response/ok-output-wrong-wire-type"),
        "{f:?}"
    );
}

#[test]
fn a_binding_that_does_not_resolve_categories_fails_the_category_cases() {
    let f = failures(&run("category-as-received", &binding_cases()));
    for name in [
        "required/interpret-response/declared-code-disagreeing-category-is-ignored",
        "required/interpret-response/unknown-code-without-category-is-internal",
        "required/interpret-response/unknown-code-undeclared-category-is-internal",
        "required/notification-routing/error-category-is-resolved",
        "required/vectors-reject/notification-empty-error",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed: {f:?}");
    }
    assert!(
        f.iter().all(|n| n.contains("category")
            || n.contains("empty-error")
            || n.contains("error-notification")),
        "{f:?}"
    );
}

#[test]
fn a_binding_that_judges_notifications_only_when_listened_fails_the_unlistened_cases() {
    let f = failures(&run("judge-only-when-listened", &binding_cases()));
    assert_eq!(
        f,
        vec![
            "required/notification-routing/undecodable-payload-without-listener-is-malformed",
            "required/notification-routing/undecodable-error-is-malformed"
        ]
    );
}

#[test]
fn a_binding_that_reads_64_bit_integers_through_a_double_fails_the_precision_cases() {
    let f = failures(&run("int64-via-double", &binding_cases()));
    for field in ["f-int64", "f-uint64", "f-sint64", "f-fixed64", "f-sfixed64"] {
        for dir in ["encode", "decode"] {
            let name = format!("required/vectors-{dir}/{field}-above-2-53");
            assert!(f.contains(&name), "{name} passed");
        }
    }
    for name in [
        "required/vectors-encode/r-sint64-packed-beyond-2-53",
        "required/vectors-encode/m-uint64-bytes-keys-beyond-2-53",
        "required/vectors-decode/f-int64-below-minus-2-53",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed: {f:?}");
    }
    // Every 64-bit type as a scalar, repeated element and map value, encoded, decoded and
    // round-tripped (bytes computed by hand in binding-encoding.yaml).
    for name in [
        "required/encoding/round-trip-64-bit-scalars-beyond-2-53",
        "required/encoding/encode-uint64-above-2-63",
        "required/encoding/decode-uint64-above-2-63",
        "required/encoding/encode-repeated-64-bit-beyond-2-53",
        "required/encoding/decode-repeated-64-bit-beyond-2-53",
        "required/encoding/round-trip-repeated-64-bit-beyond-2-53",
        "required/encoding/encode-map-values-64-bit-beyond-2-53",
        "required/encoding/decode-map-values-64-bit-beyond-2-53",
        "required/encoding/round-trip-map-values-64-bit-beyond-2-53",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed: {f:?}");
    }
    // Nothing without a 64-bit value beyond 2^53 fails: the flaw is that narrow.
    assert!(
        f.iter()
            .all(|n| n.contains("2-53") || n.contains("2-63") || n.contains("64")),
        "{f:?}"
    );
}

#[test]
fn a_binding_that_loses_negative_zero_nan_or_infinity_fails_their_cases() {
    let f = failures(&run("negative-zero-as-zero", &binding_cases()));
    for name in [
        "required/encoding/encode-repeated-negative-zero",
        "required/encoding/decode-repeated-negative-zero",
        "required/encoding/round-trip-repeated-negative-zero",
        "required/encoding/encode-repeated-float-negative-zero-and-infinities",
        "required/encoding/decode-repeated-float-negative-zero-and-infinities",
        "required/encoding/round-trip-repeated-float-negative-zero-and-infinities",
        "required/encoding/decode-map-values-negative-zero-and-nan",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed: {f:?}");
    }
    let f = failures(&run("nan-as-zero", &binding_cases()));
    for name in [
        "required/encoding/decode-double-nan",
        "required/encoding/decode-double-nan-with-payload",
        "required/encoding/decode-float-nan",
        "required/encoding/decode-repeated-nan-and-infinities",
        "recommended/encoding/encode-nan-canonical",
        "required/encoding/decode-repeated-float-nan",
        "required/encoding/decode-map-values-negative-zero-and-nan",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed: {f:?}");
    }
    let f = failures(&run("infinity-as-zero", &binding_cases()));
    for name in [
        "required/vectors-encode/f-double-positive-infinity",
        "required/vectors-decode/f-float-negative-infinity",
        "required/vectors-encode/r-double-packed-infinities",
        "required/encoding/decode-repeated-nan-and-infinities",
        "required/encoding/round-trip-infinity-scalars",
        "required/encoding/encode-repeated-float-negative-zero-and-infinities",
        "required/encoding/decode-repeated-float-negative-zero-and-infinities",
        "required/encoding/round-trip-repeated-float-negative-zero-and-infinities",
        "required/encoding/encode-map-values-infinities",
        "required/encoding/decode-map-values-infinities",
        "required/encoding/round-trip-map-values-infinities",
    ] {
        assert!(f.iter().any(|n| n == name), "{name} passed: {f:?}");
    }
}

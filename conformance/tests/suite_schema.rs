//! `conformance/suite.schema.json` describes the suite files: every file of `conformance/suites/`
//! validates against it, and files the loader refuses for their shape are refused by it too.

use std::path::PathBuf;

use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("suite.schema.json")).unwrap())
            .unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn problems(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    let value: Value = serde_norway::from_str(text).unwrap();
    v.iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn every_suite_file_validates_against_the_schema() {
    let v = validator();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir().join("suites")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let p = problems(&v, &text);
        assert!(p.is_empty(), "{}:\n{}", path.display(), p.join("\n"));
        seen += 1;
    }
    assert!(seen >= 10, "{seen} suite files");
}

#[test]
fn the_schema_refuses_what_the_loader_refuses() {
    let v = validator();
    let good =
        std::fs::read_to_string(dir().join("suites/binding-notification-routing.yaml")).unwrap();
    assert!(problems(&v, &good).is_empty());
    let bad = [
        // An unknown key in a case.
        good.replacen(
            "    level: required\n",
            "    level: required\n    surprise: 1\n",
            1,
        ),
        // A level that does not exist.
        good.replacen("level: required", "level: optional", 1),
        // A routing case without the notification-routing feature.
        good.replacen("    features: [notification-routing]\n", "", 1),
        // A requirement id that is not one.
        good.replacen(
            "requirements: [REQ-NOTIF-10]",
            "requirements: [NOTIF-10]",
            1,
        ),
        // Two operations in one case.
        good.replacen(
            "    route_notifications:\n",
            "    build_request: {event: Ping}\n    route_notifications:\n",
            1,
        ),
    ];
    for (i, text) in bad.iter().enumerate() {
        assert_ne!(text, &good, "mutation {i} did not apply");
        assert!(
            !problems(&v, text).is_empty(),
            "mutation {i} passed the schema"
        );
        assert!(
            eventwire_conformance::suite::load("t.yaml", text).is_err(),
            "mutation {i} passed the loader"
        );
    }
}

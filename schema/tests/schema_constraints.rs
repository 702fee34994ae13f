//! `schema lint` enforces everything `events.schema.json` says: every constraint of the JSON
//! Schema has a fixture that breaks exactly it, and both the JSON Schema and the loader reject
//! each fixture. A constraint added to the schema without a fixture fails the coverage test.

use std::{collections::BTreeSet, path::PathBuf};

use eventwire_schema::{Tables, descriptor_pool};
use serde_json::Value;

/// A table that satisfies every constraint; each fixture changes one thing.
const BASE: &str = "\
module: alpha
package: eventwire.v1
events:
  - name: First
    id: 7
    input: NestedPB
    errors: []
    timeout_ms: 5
    doc: First.
notifications:
  - name: Changed
    source: alpha
    ty: 1
    payload: TickPB
    doc: Changed.
";

const EVENTS: &str = "events:\n  - name: First\n    id: 7\n    input: NestedPB\n    errors: []\n    timeout_ms: 5\n    doc: First.\n";
const NOTIFICATIONS: &str = "notifications:\n  - name: Changed\n    source: alpha\n    ty: 1\n    payload: TickPB\n    doc: Changed.\n";

/// (schema pointer of the constraint, the text that breaks it).
fn fixtures() -> Vec<(&'static str, String)> {
    let with = |old: &str, new: &str| {
        assert!(BASE.contains(old), "{old}");
        BASE.replacen(old, new, 1)
    };
    let long = format!("name: A{}", "b".repeat(64));
    vec![
        ("/type", "5\n".to_owned()),
        ("/required", with("package: eventwire.v1\n", "")),
        (
            "/additionalProperties",
            with("module: alpha\n", "module: alpha\nextra: 1\n"),
        ),
        (
            "/properties/module/pattern",
            with("module: alpha", "module: Alpha"),
        ),
        (
            "/properties/module/pattern",
            with("module: alpha", &format!("module: a{}", "b".repeat(32))),
        ),
        (
            "/properties/package/pattern",
            with("package: eventwire.v1", "package: Eventwire..v1"),
        ),
        ("/properties/events/type", with(EVENTS, "events: 5\n")),
        (
            "/properties/notifications/type",
            with(NOTIFICATIONS, "notifications: x\n"),
        ),
        ("/$defs/name/pattern", with("name: First", "name: first")),
        ("/$defs/name/pattern", with("name: First", &long)),
        (
            "/$defs/name/pattern",
            with("name: Changed", "name: changed"),
        ),
        (
            "/$defs/type_name/pattern",
            with("input: NestedPB", "input: \"Nested PB\""),
        ),
        (
            "/$defs/type_name/pattern",
            with("payload: TickPB", "payload: \"tick.\""),
        ),
        ("/$defs/event/type", with(EVENTS, "events: [5]\n")),
        (
            "/$defs/event/additionalProperties",
            with("    doc: First.\n", "    doc: First.\n    retries: 3\n"),
        ),
        ("/$defs/event/required", with("    errors: []\n", "")),
        (
            "/$defs/event/properties/id/type",
            with("id: 7", "id: seven"),
        ),
        ("/$defs/event/properties/id/minimum", with("id: 7", "id: 0")),
        (
            "/$defs/event/properties/id/maximum",
            with("id: 7", "id: 70000"),
        ),
        (
            "/$defs/event/properties/errors/oneOf",
            with("errors: []", "errors: Any"),
        ),
        (
            "/$defs/event/properties/errors/oneOf/0/const",
            with("errors: []", "errors: all"),
        ),
        (
            "/$defs/event/properties/errors/oneOf/1/type",
            with("errors: []", "errors: 5"),
        ),
        (
            "/$defs/event/properties/errors/oneOf/1/uniqueItems",
            with("errors: []", "errors: [INVALID_PARAMS, INVALID_PARAMS]"),
        ),
        (
            "/$defs/event/properties/errors/oneOf/1/items/type",
            with("errors: []", "errors: [5]"),
        ),
        (
            "/$defs/event/properties/errors/oneOf/1/items/pattern",
            with("errors: []", "errors: [invalid_params]"),
        ),
        (
            "/$defs/event/properties/timeout_ms/type",
            with("timeout_ms: 5", "timeout_ms: soon"),
        ),
        (
            "/$defs/event/properties/timeout_ms/minimum",
            with("timeout_ms: 5", "timeout_ms: 0"),
        ),
        (
            "/$defs/event/properties/doc/type",
            with("doc: First.", "doc: [First]"),
        ),
        (
            "/$defs/event/properties/doc/minLength",
            with("doc: First.", "doc: \"\""),
        ),
        (
            "/$defs/notification/type",
            with(NOTIFICATIONS, "notifications: [5]\n"),
        ),
        (
            "/$defs/notification/additionalProperties",
            with("    doc: Changed.\n", "    doc: Changed.\n    retries: 3\n"),
        ),
        (
            "/$defs/notification/required",
            with("    payload: TickPB\n", ""),
        ),
        (
            "/$defs/notification/properties/source/type",
            with("source: alpha", "source: [alpha]"),
        ),
        (
            "/$defs/notification/properties/source/pattern",
            with("source: alpha", "source: Alpha"),
        ),
        (
            "/$defs/notification/properties/ty/type",
            with("ty: 1", "ty: one"),
        ),
        (
            "/$defs/notification/properties/ty/minimum",
            with("ty: 1", "ty: -5"),
        ),
        (
            "/$defs/notification/properties/ty/maximum",
            with("ty: 1", "ty: 2147483648"),
        ),
        (
            "/$defs/notification/properties/doc/type",
            with("doc: Changed.", "doc: [Changed]"),
        ),
        (
            "/$defs/notification/properties/doc/minLength",
            with("doc: Changed.", "doc: \"\""),
        ),
        ("/$defs/name/type", with("name: First", "name: [First]")),
        (
            "/$defs/type_name/type",
            with("input: NestedPB", "input: [NestedPB]"),
        ),
        (
            "/properties/module/type",
            with("module: alpha", "module: [alpha]"),
        ),
        (
            "/properties/package/type",
            with("package: eventwire.v1", "package: 1"),
        ),
        ("/properties/events/items", with(EVENTS, "events: [[]]\n")),
        (
            "/properties/notifications/items",
            with(NOTIFICATIONS, "notifications: [[]]\n"),
        ),
    ]
}

fn schema() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events/events.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The pointer of every constraint keyword in the schema.
fn constraints(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    const KEYWORDS: &[&str] = &[
        "type",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "required",
        "additionalProperties",
        "oneOf",
        "uniqueItems",
        "const",
        "enum",
        "minItems",
        "maxItems",
    ];
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if KEYWORDS.contains(&k.as_str()) {
                    out.insert(here.clone());
                }
                // `items` holding a `$ref` constrains by reference: its fixture is a wrong item.
                if k == "items" && x.get("$ref").is_some() {
                    out.insert(here.clone());
                }
                if !matches!(
                    k.as_str(),
                    "description" | "title" | "const" | "enum" | "required" | "pattern"
                ) {
                    constraints(x, &here, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                constraints(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_base_table_is_valid_for_both() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let doc: Value = serde_norway::from_str(BASE).unwrap();
    assert!(validator.is_valid(&doc));
    Tables::from_sources(
        [("alpha.yaml".to_owned(), BASE.to_owned())],
        descriptor_pool(),
    )
    .unwrap();
}

#[test]
fn every_constraint_of_the_json_schema_has_a_fixture() {
    let mut all = BTreeSet::new();
    constraints(&schema(), "", &mut all);
    let covered: BTreeSet<String> = fixtures().into_iter().map(|(p, _)| p.to_owned()).collect();
    let missing: Vec<&String> = all.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "constraints of events.schema.json without a failing fixture: {missing:?}"
    );
    let stale: Vec<&String> = covered.difference(&all).collect();
    assert!(
        stale.is_empty(),
        "fixtures for constraints the schema no longer has: {stale:?}"
    );
}

#[test]
fn the_json_schema_and_the_loader_reject_every_fixture() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    for (pointer, text) in fixtures() {
        assert_ne!(text, BASE, "{pointer}: the fixture changes nothing");
        let doc: Value = serde_norway::from_str(&text).unwrap_or(Value::Null);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| e.schema_path.to_string())
            .collect();
        let keyword = pointer.rsplit('/').next().unwrap();
        // A constraint inside `oneOf` is reported as the `oneOf`; one behind `$ref` with the ref.
        let reported = if pointer.contains("/oneOf/") {
            "oneOf"
        } else {
            keyword
        };
        assert!(
            errors
                .iter()
                .any(|p| p.ends_with(reported) || (keyword == "items" && !p.is_empty())),
            "{pointer}: the JSON Schema reports {errors:?} for\n{text}"
        );
        let loaded =
            Tables::from_sources([("alpha.yaml".to_owned(), text.clone())], descriptor_pool());
        let err = loaded
            .err()
            .unwrap_or_else(|| panic!("{pointer}: schema lint accepts\n{text}"));
        for e in &err.errors {
            // `file:line: what is wrong`, the line the culprit is on.
            assert!(
                e.line.is_some()
                    && e.to_string()
                        .starts_with(&format!("alpha.yaml:{}: ", e.line.unwrap())),
                "{pointer}: not located at a line: {e}"
            );
        }
    }
}

#[test]
fn a_yml_file_is_refused_not_ignored() {
    let dir = std::env::temp_dir().join(format!("eventwire-tables-yml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("alpha.yaml"), BASE).unwrap();
    std::fs::write(dir.join("todo.yml"), BASE.replace("alpha", "beta")).unwrap();
    let err = Tables::load_dir(&dir, descriptor_pool()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("todo.yml: ") && text.contains("did you mean `todo.yaml`?"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_names_get_a_did_you_mean() {
    let cases = [
        (
            BASE.replacen("input: NestedPB", "input: NestedPb", 1),
            "did you mean `NestedPB`?",
        ),
        (
            BASE.replacen("errors: []", "errors: [INVALID_PARAM]", 1),
            "did you mean `INVALID_PARAMS`?",
        ),
        (
            BASE.replacen("errors: []", "errors: [ERROR_CODE_INTERNAL]", 1),
            "did you mean `INTERNAL`?",
        ),
        (
            BASE.replacen("errors: []", "errors: Any", 1),
            "did you mean `any`?",
        ),
        (
            BASE.replacen("timeout_ms: 5", "timeout: 5", 1),
            "did you mean `timeout_ms`?",
        ),
    ];
    for (text, hint) in cases {
        let err = Tables::from_sources([("alpha.yaml".to_owned(), text)], descriptor_pool())
            .unwrap_err()
            .to_string();
        assert!(err.contains(hint), "{hint}: {err}");
    }
}

#[test]
fn a_duplicate_across_modules_blames_the_later_declaration_with_its_own_line() {
    // The second file declares `First` on line 9, after another event: the error is located
    // there, and names the first declaration's file and line.
    let second = "module: beta\npackage: eventwire.v1\nevents:\n  - name: Other\n    id: 8\n    errors: []\n    doc: Other.\n\n  - name: First\n    id: 9\n    errors: []\n    doc: Again.\n";
    let err = Tables::from_sources(
        [
            ("a.yaml".to_owned(), BASE.to_owned()),
            ("b.yaml".to_owned(), second.to_owned()),
        ],
        descriptor_pool(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("b.yaml:9: event name `First` is already declared in a.yaml:4"),
        "{text}"
    );
    // Ids and (source, ty) pairs name the first declaration's line too.
    let again = second
        .replace("id: 9", "id: 7")
        .replace("name: First", "name: Third");
    let text = Tables::from_sources(
        [
            ("a.yaml".to_owned(), BASE.to_owned()),
            ("b.yaml".to_owned(), again),
        ],
        descriptor_pool(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        text.contains("b.yaml:9:") && text.contains("a.yaml:4"),
        "{text}"
    );
}

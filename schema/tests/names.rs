//! `events.schema.json` states the naming rules as regular expressions, `eventwire_schema` as
//! functions (`is_module_name`, `is_event_name`, `is_package_name`) that the loader and the
//! runtime's capability patterns use. Both must accept and refuse the same names: each pattern of
//! the JSON Schema is run, by a JSON Schema validator, on a table of names, and its verdict is
//! compared with the function's. A pattern edited without the function (or the other way round)
//! fails here.

use std::path::PathBuf;

use eventwire_schema::{is_event_name, is_module_name, is_package_name};
use serde_json::{Value, json};

fn schema() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events/events.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The names each rule is tried on: what SPEC.md allows at and just past each limit, and what a
/// loose pattern would let through (other scripts, separators, a trailing newline that `$`
/// matches before in some regex dialects).
fn names() -> Vec<String> {
    let mut names: Vec<String> = [
        "",
        " ",
        "a",
        "z",
        "A",
        "Z",
        "0",
        "_",
        "user",
        "User",
        "USER",
        "user_profile",
        "user__profile",
        "user_",
        "_user",
        "1user",
        "user1",
        "us-er",
        "us er",
        "user\n",
        "\nuser",
        "user\0",
        "ü",
        "usér",
        "SignIn",
        "signIn",
        "Sign_In",
        "Sign-In",
        "Sign In",
        "9Lives",
        "Get2Things",
        "X",
        "SignIn\n",
        "Ñame",
        "eventwire.v1",
        "eventwire.V1",
        "eventwire..v1",
        ".eventwire",
        "eventwire.",
        "a.b.c",
        "a.1b",
        "a._b",
        "my_app.todo.v1",
        "user.*",
        "*",
    ]
    .map(str::to_owned)
    .into();
    for n in [31, 32, 33, 63, 64, 65, 200] {
        names.push("m".repeat(n));
        names.push(format!("E{}", "v".repeat(n - 1)));
        names.push(format!("a.{}", "b".repeat(n)));
    }
    names
}

/// Checks the pattern at `pointer` against `rule` on every name; returns how many it accepted.
fn agrees(pointer: &str, rule: fn(&str) -> bool) -> usize {
    let schema = schema();
    let pattern = schema
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("events.schema.json has no pattern at {pointer}"));
    let validator = jsonschema::validator_for(&json!({ "type": "string", "pattern": pattern }))
        .unwrap_or_else(|e| panic!("{pointer}: `{pattern}` does not compile: {e}"));
    let mut accepted = 0;
    for name in names() {
        let by_schema = validator.is_valid(&json!(name));
        assert_eq!(
            by_schema,
            rule(&name),
            "{pointer} (`{pattern}`) {} {name:?}, the Rust rule {}",
            if by_schema { "accepts" } else { "refuses" },
            if by_schema {
                "refuses it"
            } else {
                "accepts it"
            },
        );
        accepted += usize::from(by_schema);
    }
    accepted
}

#[test]
fn module_names() {
    // Both places the JSON Schema names a module: the table's module, a notification's source.
    for pointer in [
        "/properties/module/pattern",
        "/$defs/notification/properties/source/pattern",
    ] {
        // a, z, user, user_profile, user__profile, user_, user1, and m x 31, 32.
        assert_eq!(agrees(pointer, is_module_name), 9, "{pointer}");
    }
}

#[test]
fn event_names() {
    // A, Z, USER, User, SignIn, Get2Things, X, and E... of 31, 32, 33, 63, 64 characters.
    assert_eq!(agrees("/$defs/name/pattern", is_event_name), 12);
}

#[test]
fn package_names() {
    // The module names of any length (7 + m x 31..200), eventwire.v1, a.b.c, my_app.todo.v1,
    // and a.b... x 7.
    assert_eq!(agrees("/properties/package/pattern", is_package_name), 24);
}

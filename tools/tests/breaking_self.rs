//! The project checks itself: its schema against every release in `schema/eventwire.lock.json`
//! (this is what makes a breaking change to `eventwire.v1` fail `cargo test` and `make test`); a
//! breaking edit to a copy of the project fails that check with the rule's message; the lock
//! records what SPEC.md states by hand; git revisions and multi-release locks work; the docs' rule
//! table is the code's.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use eventwire_tools::breaking::{self, Against, Layout, Lock, PROJECT_LOCK, rules};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

#[test]
fn the_project_schema_is_compatible_with_every_locked_release() {
    let lock = Lock::read(&repo().join(PROJECT_LOCK)).unwrap();
    assert!(
        !lock.versions.is_empty(),
        "{PROJECT_LOCK} records no release"
    );
    if let Err(findings) = breaking::self_check(&repo()) {
        panic!("the schema breaks a release recorded in {PROJECT_LOCK}:\n{findings}");
    }
}

/// An independent anchor for the lock: SPEC.md's hand-written tables of the shipped events (3.3),
/// notifications (3.3) and error codes (7.2) against the first release the lock records.
#[test]
fn the_lock_records_what_spec_md_states() {
    let spec = std::fs::read_to_string(repo().join("SPEC.md")).unwrap();
    let lock = Lock::read(&repo().join(PROJECT_LOCK)).unwrap();
    let first = &lock.versions[0].schema;
    let cells = |l: &str| {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .collect::<Vec<_>>()
    };
    let section = |from: &str, to: &str| {
        let a = spec
            .find(from)
            .unwrap_or_else(|| panic!("SPEC.md lost `{from}`"));
        let b = a + spec[a..].find(to).unwrap();
        spec[a..b]
            .lines()
            .filter(|l| l.starts_with("| "))
            .map(cells)
            .collect::<Vec<_>>()
    };

    let shipped = section("### 3.3 The shipped tables", "<a id=\"envelopes\">");
    let events: BTreeMap<String, (String, u32)> = shipped
        .iter()
        .filter(|c| c.len() == 7 && c[2].parse::<u32>().is_ok())
        .map(|c| (c[1].clone(), (c[0].clone(), c[2].parse().unwrap())))
        .collect();
    assert_eq!(events.len(), 15, "SPEC.md 3.3 lists 15 events");
    let locked: BTreeMap<String, (String, u32)> = first
        .events
        .values()
        .map(|e| (e.name.clone(), (e.module.clone(), e.id)))
        .collect();
    assert_eq!(locked, events);
    let notifications: Vec<(String, i32, String, String)> = shipped
        .iter()
        .filter(|c| c.len() == 4 && c[1].parse::<i32>().is_ok())
        .map(|c| {
            (
                c[0].clone(),
                c[1].parse().unwrap(),
                c[2].clone(),
                format!("eventwire.v1.{}", c[3]),
            )
        })
        .collect();
    let mut locked: Vec<_> = first
        .notifications
        .iter()
        .map(|n| (n.source.clone(), n.ty, n.name.clone(), n.payload.clone()))
        .collect();
    let mut notifications = notifications;
    locked.sort();
    notifications.sort();
    assert_eq!(locked, notifications);

    let codes = section("### 7.2 Error codes", "- **REQ-ERR-7**");
    let codes: BTreeMap<i32, (String, String)> = codes
        .iter()
        .filter(|c| c[0].parse::<i32>().is_ok())
        .map(|c| {
            (
                c[0].parse().unwrap(),
                (
                    format!("ERROR_CODE_{}", c[1]),
                    format!(
                        "ERROR_CATEGORY_{}",
                        c[2].split(' ').next().unwrap().trim_matches('`')
                    ),
                ),
            )
        })
        .collect();
    assert_eq!(codes.len(), 14, "SPEC.md 7.2 lists the protocol's 14 codes");
    let locked: BTreeMap<i32, (String, String)> = first.enums["eventwire.v1.ErrorCode"]
        .values
        .values()
        .map(|v| {
            (
                v.number,
                (v.name.clone(), v.category.clone().unwrap_or_default()),
            )
        })
        .collect();
    assert_eq!(locked, codes);
    // And the envelope's field numbers (SPEC.md 4.1: event = 1, payload = 2).
    let req = &first.messages["eventwire.v1.FFIRequest"];
    assert_eq!(
        (req.fields[&1].name.as_str(), req.fields[&2].name.as_str()),
        ("event", "payload")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A copy of the project's schema and lock in a temporary directory.
fn project_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &repo().join("schema/proto"),
        &tmp.path().join("schema/proto"),
    );
    copy_dir(
        &repo().join("schema/events"),
        &tmp.path().join("schema/events"),
    );
    std::fs::copy(repo().join(PROJECT_LOCK), tmp.path().join(PROJECT_LOCK)).unwrap();
    tmp
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{}: `{from}`",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap()
        + 1
}

#[test]
fn a_breaking_table_edit_fails_the_self_check_with_the_rules_message() {
    let tmp = project_copy();
    // The unedited copy passes: what fails below is the edit.
    breaking::self_check(tmp.path()).unwrap();
    let user = tmp.path().join("schema/events/user.yaml");
    let line = line_of(&user, "name: SignIn");
    edit(&user, "    id: 100\n", "    id: 150\n");
    let err = breaking::self_check(tmp.path()).unwrap_err();
    let want = format!(
        "schema/events/user.yaml:{line}: error[EVENT_RENUMBERED]: event `SignIn` changed id from 100 to 150; ids are stable"
    );
    assert!(err.contains(&want), "{err}");
    assert!(
        err.contains(&format!("was: schema/events/user.yaml:{line} (in ")),
        "{err}"
    );
    assert!(err.contains("version 0.1.0)"), "{err}");

    // The same through the binary, as CI runs it: exit code 1 and the message on stderr.
    let out = Command::new(env!("CARGO_BIN_EXE_eventwire-tools"))
        .arg("--root")
        .arg(tmp.path())
        .args(["schema", "breaking"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&want), "{stderr}");
    assert!(
        stderr.contains("schema breaking: 1 breaking change(s)"),
        "{stderr}"
    );
}

#[test]
fn a_removed_notification_and_a_retyped_field_fail_the_self_check() {
    let tmp = project_copy();
    let doc = tmp.path().join("schema/events/document.yaml");
    let text = std::fs::read_to_string(&doc).unwrap();
    let start = text.find("  - name: DocumentUpdated").unwrap();
    std::fs::write(&doc, &text[..start]).unwrap();
    edit(
        &tmp.path().join("schema/proto/eventwire/v1/envelope.proto"),
        "string event = 1;",
        "bytes event = 1;",
    );
    let err = breaking::self_check(tmp.path()).unwrap_err();
    assert!(err.contains("error[NOTIFICATION_REMOVED]: notification `DocumentUpdated` (source `document`, ty 1) was removed"), "{err}");
    assert!(err.contains("error[FIELD_TYPE_CHANGED]: field `eventwire.v1.FFIRequest.event` = 1 changed type from string to bytes"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn against_a_git_revision() {
    let tmp = project_copy();
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "."]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    let layout = Layout::project();
    assert!(
        breaking::check(tmp.path(), &layout, &Against::Git("HEAD".into()))
            .unwrap()
            .is_empty()
    );
    edit(
        &tmp.path().join("schema/proto/eventwire/v1/user.proto"),
        "  string name = 3;\n}\n\n// The signed-in user.",
        "}\n\n// The signed-in user.",
    );
    let findings =
        breaking::check(tmp.path(), &layout, &Against::parse(tmp.path(), "HEAD")).unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
    assert_eq!(ids, ["FIELD_REMOVED_NOT_RESERVED"], "{findings:#?}");
    assert!(findings[0].to_string().contains("field `eventwire.v1.SignInPayloadPB.name` = 3 was removed; add `reserved 3;` and `reserved \"name\";`"), "{}", findings[0]);
    assert_eq!(findings[0].against, "git HEAD");
    // A revision that does not exist is a clear error, not a panic.
    let err =
        breaking::check(tmp.path(), &layout, &Against::Git("no-such-rev".into())).unwrap_err();
    assert!(
        err.contains("`no-such-rev` is neither a directory, a lock file nor a git revision"),
        "{err}"
    );
}

#[test]
fn against_a_directory() {
    let (old, new) = (project_copy(), project_copy());
    edit(
        &new.path().join("schema/events/conformance.yaml"),
        "  - name: Tick\n",
        "  - name: Tock\n",
    );
    let old_dir = old.path().to_str().unwrap();
    let findings = breaking::check(
        new.path(),
        &Layout::project(),
        &Against::parse(new.path(), old_dir),
    )
    .unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.rule.id, "NOTIFICATION_RENAMED");
    assert!(
        !f.is_error(),
        "a rename keeping (source, ty) and payload is a warning"
    );
    assert!(f.message.contains("`Tick` is now named `Tock`"), "{f}");
    assert!(
        f.old_at
            .starts_with(&format!("{old_dir}/schema/events/conformance.yaml:")),
        "{f}"
    );
    // A warning does not fail the self-check.
    assert_eq!(breaking::self_check(new.path()).unwrap().len(), 1);
}

fn tiny(dir: &Path, proto: &str) {
    std::fs::create_dir_all(dir.join("proto/a/v1")).unwrap();
    std::fs::create_dir_all(dir.join("events")).unwrap();
    std::fs::write(
        dir.join("proto/a/v1/a.proto"),
        format!("syntax = \"proto3\";\npackage a.v1;\n{proto}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("events/a.yaml"), "module: a\npackage: a.v1\nevents:\n  - name: Get\n    id: 1\n    output: M\n    errors: []\n    doc: Gets.\n").unwrap();
}

fn tiny_layout() -> Layout {
    Layout {
        protos: vec![PathBuf::from("proto")],
        tables: PathBuf::from("events"),
    }
}

/// The example: a field deleted in one release (unreserved) and re-added with another
/// type in the next passes the check against its predecessor, and still breaks the first release.
#[test]
fn the_lock_catches_what_a_check_against_the_previous_release_misses() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = |proto: &str| {
        tiny(tmp.path(), proto);
        breaking::current(tmp.path(), &tiny_layout()).unwrap()
    };
    let v1 = snap("message M {\n  string x = 1;\n  string y = 2;\n}");
    let v2 = snap("message M {\n  string x = 1;\n}");
    let mut lock = Lock::new();
    assert!(lock.record("1.0.0", v1.clone()).unwrap());
    // v2 was released although it breaks 1.0.0 (the CLI would refuse; `record` does not judge).
    assert!(lock.record("2.0.0", v2.clone()).unwrap());
    assert!(
        lock.record("1.0.0", v1.clone())
            .is_ok_and(|changed| !changed)
    );
    assert!(
        lock.record("1.0.0", v2.clone())
            .unwrap_err()
            .contains("released facts are never rewritten")
    );
    std::fs::write(tmp.path().join("a.lock.json"), lock.to_text()).unwrap();

    tiny(
        tmp.path(),
        "message M {\n  string x = 1;\n  int64 y = 2;\n}",
    );
    let v3 = breaking::current(tmp.path(), &tiny_layout()).unwrap();
    assert!(
        breaking::compare(&v2, &v3, "2.0.0").is_empty(),
        "pairwise, v3 looks compatible with v2"
    );
    let findings = breaking::check(
        tmp.path(),
        &tiny_layout(),
        &Against::parse(tmp.path(), "a.lock.json"),
    )
    .unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = findings[0].to_string();
    assert!(f.starts_with(&format!("{}/proto/a/v1/a.proto:5: error[FIELD_TYPE_CHANGED]: field `a.v1.M.y` = 2 changed type from string to int64", tmp.path().display())), "{f}");
    assert!(f.contains("a.lock.json version 1.0.0"), "{f}");
    // The lock survives a round trip through its text.
    assert_eq!(Lock::parse(&lock.to_text()).unwrap(), lock);
}

#[test]
fn lock_update_records_a_compatible_release_and_refuses_a_breaking_one() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_eventwire-tools"))
            .arg("--root")
            .arg(tmp.path())
            .args(["schema"])
            .args(args)
            .args(["--proto", "proto", "--tables", "events"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    tiny(tmp.path(), "message M {\n  string x = 1;\n}");
    assert_eq!(
        run(&[
            "lock",
            "--update",
            "--version",
            "1.0.0",
            "--lock",
            "a.lock.json"
        ])
        .0,
        Some(0)
    );
    tiny(
        tmp.path(),
        "message M {\n  string x = 1;\n  string y = 2;\n}",
    );
    assert_eq!(
        run(&[
            "lock",
            "--update",
            "--version",
            "1.1.0",
            "--lock",
            "a.lock.json"
        ])
        .0,
        Some(0)
    );
    tiny(tmp.path(), "message M {\n  string x = 1;\n}");
    let (code, text) = run(&[
        "lock",
        "--update",
        "--version",
        "1.2.0",
        "--lock",
        "a.lock.json",
    ]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error[FIELD_REMOVED_NOT_RESERVED]: field `a.v1.M.y` = 2 was removed"),
        "{text}"
    );
    assert!(text.contains("schema lock: not updated"), "{text}");
    let lock = Lock::read(&tmp.path().join("a.lock.json")).unwrap();
    assert_eq!(
        lock.versions
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["1.0.0", "1.1.0"]
    );
    let (code, text) = run(&["breaking", "--against", "a.lock.json"]);
    assert_eq!(code, Some(1), "{text}");
}

#[test]
fn a_schema_that_does_not_compile_is_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    tiny(tmp.path(), "message M {\n  strin x = 1;\n}");
    let err = breaking::current(tmp.path(), &tiny_layout()).unwrap_err();
    assert!(
        err.contains("proto/a/v1/a.proto:4:3: does not compile (working tree): "),
        "{err}"
    );
    tiny(tmp.path(), "message N {\n  string x = 1;\n}");
    let err = breaking::current(tmp.path(), &tiny_layout()).unwrap_err();
    assert!(err.contains("events/a.yaml:4: output type `M` of `Get` is not a message of the schema's .proto files"), "{err}");
}

#[test]
fn the_docs_rule_table_is_the_codes() {
    let doc = std::fs::read_to_string(repo().join("docs/evolving-a-schema.md")).unwrap();
    let open = doc
        .find("<!-- rules:")
        .expect("docs/evolving-a-schema.md has a rules block");
    let start = open + doc[open..].find('\n').unwrap() + 1;
    let end = start + doc[start..].find("<!-- /rules -->").unwrap();
    assert_eq!(
        &doc[start..end],
        rules::markdown_table(),
        "regenerate with `eventwire-tools schema breaking --list-rules`"
    );
    let ids: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "rule ids are unique");
    // Every rule cites a requirement SPEC.md defines.
    let spec = std::fs::read_to_string(repo().join("SPEC.md")).unwrap();
    for r in rules::ALL {
        for req in r.spec.split(", ") {
            assert!(
                spec.contains(&format!("- **{req}**")),
                "{}: {req} is not in SPEC.md",
                r.id
            );
        }
    }
}

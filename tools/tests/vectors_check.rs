//! `vectors check` and `vectors generate` as a maintainer relies on them: every single-byte change
//! to any vector is caught, ids are never renumbered, and the files cite only requirements that
//! exist.

use std::{collections::BTreeSet, fs, path::PathBuf, process::Command};

use eventwire_schema::{Errors, tables};
use eventwire_tools::vectors::{
    catalogue::{self, Body, Def},
    check::{check, check_store, schema_problems},
    format::{Kind, split_id},
    generate::generate_from,
    store::{SCHEMA_FILE, Store},
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn store() -> (Store, String) {
    let dir = root().join("vectors");
    (
        Store::read(&dir).unwrap(),
        fs::read_to_string(dir.join(SCHEMA_FILE)).unwrap(),
    )
}

#[test]
fn the_checked_in_vectors_have_no_drift() {
    let problems = check(&root().join("vectors"));
    assert!(
        problems.is_empty(),
        "run `eventwire-tools vectors generate`:\n{}",
        problems.join("\n")
    );
}

/// Flips one bit of the first byte of the first `hex:` value of `id` (for a dispatch case: its
/// first step's). Empty bytes become one byte.
fn flip_first_hex(text: &str, id: &str) -> String {
    let mut out = Vec::new();
    let mut in_case = false;
    let mut done = false;
    for line in text.lines() {
        let mut line = line.to_owned();
        if line.starts_with("- id: ") {
            in_case = line == format!("- id: {id}");
        }
        if in_case && !done {
            let trimmed = line.trim_start();
            if let Some(value) = trimmed.strip_prefix("hex: ") {
                let indent = &line[..line.len() - trimmed.len()];
                let value = value.trim_matches('\'');
                let flipped = if value.is_empty() {
                    "ff".to_owned()
                } else {
                    let first = u8::from_str_radix(&value[..2], 16).unwrap() ^ 0x01;
                    format!("{first:02x}{}", &value[2..])
                };
                line = format!("{indent}hex: {flipped}");
                done = true;
            }
        }
        out.push(line);
    }
    assert!(done, "case {id} has no hex line");
    out.join("\n") + "\n"
}

#[test]
fn check_fails_when_any_single_byte_of_any_vector_changes() {
    let (store, schema) = store();
    let (files, problems) = store.parse();
    assert!(problems.is_empty());
    let targets: Vec<(&String, &String)> = files
        .iter()
        .flat_map(|(path, f)| f.cases.iter().map(move |c| (path, &c.id)))
        .collect();
    // Every case is flipped; the work is split over two threads.
    let (a, b) = targets.split_at(targets.len() / 2);
    let run = |part: &[(&String, &String)]| {
        for (path, id) in part {
            let mut copy = store.clone();
            let text = copy.texts.get(*path).unwrap().clone();
            copy.texts
                .insert((*path).clone(), flip_first_hex(&text, id));
            let problems = check_store(&copy, &schema);
            assert!(
                problems.iter().any(|p| p.contains(id.as_str())),
                "flipping a byte of {id} ({path}) went unnoticed or unnamed: {problems:?}"
            );
        }
        part.len()
    };
    let flipped: usize = std::thread::scope(|scope| {
        let h = scope.spawn(|| run(a));
        run(b) + h.join().unwrap()
    });
    assert_eq!(
        flipped,
        files.values().map(|f| f.cases.len()).sum::<usize>()
    );
    assert!(flipped >= 300, "only {flipped} cases");
}

#[test]
fn check_fails_on_a_removed_id_a_reused_retired_id_and_a_malformed_file() {
    let (store, schema) = store();
    // A removed case.
    let mut copy = store.clone();
    let text = copy.texts["encoding/scalars.yaml"].clone();
    let start = text.find("- id: enc-0012\n").unwrap();
    let end = start + 1 + text[start + 1..].find("\n- id: ").unwrap() + 1;
    copy.texts.insert(
        "encoding/scalars.yaml".into(),
        format!("{}{}", &text[..start], &text[end..]),
    );
    let problems = check_store(&copy, &schema);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("enc-0012") && p.contains("missing")),
        "{problems:?}"
    );

    // A retired id still in use.
    let mut copy = store.clone();
    copy.retired = vec!["enc-0001".into()];
    let problems = check_store(&copy, &schema);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("enc-0001") && p.contains("retired")),
        "{problems:?}"
    );

    // A file that is not a vector file.
    let mut copy = store.clone();
    copy.texts.insert("envelope.yaml".into(), "cases: [".into());
    assert!(
        check_store(&copy, &schema)
            .iter()
            .any(|p| p.starts_with("envelope.yaml"))
    );

    // A stray file.
    let mut copy = store.clone();
    copy.texts
        .insert("extra.yaml".into(), "description: x\ncases: []\n".into());
    assert!(
        check_store(&copy, &schema)
            .iter()
            .any(|p| p.contains("extra.yaml"))
    );
}

#[test]
fn the_json_schema_accepts_the_files_and_rejects_violations() {
    let (store, schema) = store();
    assert_eq!(schema_problems(&store, &schema), Vec::<String>::new());
    let mut copy = store.clone();
    let text =
        copy.texts["envelope.yaml"].replacen("hex: 0a 04 50 69 6e 67", "hex: 0A 04 50 69 6E 67", 1);
    copy.texts.insert("envelope.yaml".into(), text);
    let problems = schema_problems(&copy, &schema);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("envelope.yaml") && p.contains("schema violation")),
        "{problems:?}"
    );
    let mut copy = store.clone();
    let text =
        copy.texts["envelope.yaml"].replacen("kind: encode", "kind: encode\n  surprise: 1", 1);
    copy.texts.insert("envelope.yaml".into(), text);
    assert!(!schema_problems(&copy, &schema).is_empty());
}

#[test]
fn generate_keeps_ids_appends_new_cases_and_never_reuses_retired_ids() {
    let (store, _) = store();
    let (files, _) = store.parse();
    let defs = catalogue::all();
    let regenerated = generate_from(&defs, &files, &store.retired).unwrap();
    assert_eq!(
        regenerated, files,
        "generate must be idempotent on the checked-in files"
    );

    // Remove a case from the catalogue: refused until its id is retired.
    let victim = files["encoding/scalars.yaml"].cases[3].clone();
    let fewer: Vec<Def> = defs
        .iter()
        .filter(|d| d.name != victim.name)
        .cloned()
        .collect();
    let err = generate_from(&fewer, &files, &store.retired).unwrap_err();
    assert!(
        err.iter()
            .any(|p| p.contains(&victim.id) && p.contains("RETIRED")),
        "{err:?}"
    );
    let mut retired = store.retired.clone();
    retired.push(victim.id.clone());
    let out = generate_from(&fewer, &files, &retired).unwrap();
    assert!(
        out.values()
            .all(|f| f.cases.iter().all(|c| c.id != victim.id))
    );

    // A new case gets the next id above every id ever used, and nothing else moves.
    let mut more = fewer.clone();
    let mut extra = defs
        .iter()
        .find(|d| d.name == "f-int32-one")
        .unwrap()
        .clone();
    extra.name = "f-int32-one-again".into();
    more.push(extra);
    let out = generate_from(&more, &files, &retired).unwrap();
    let max_enc = files
        .values()
        .flat_map(|f| &f.cases)
        .filter_map(|c| split_id(&c.id))
        .filter(|(p, _)| *p == "enc")
        .map(|(_, n)| n)
        .max()
        .unwrap();
    let scalars = &out["encoding/scalars.yaml"].cases;
    let new = scalars.last().unwrap();
    assert_eq!(new.name, "f-int32-one-again");
    assert_eq!(new.id, format!("enc-{:04}", max_enc + 1));
    for (path, file) in &files {
        let kept: Vec<_> = file
            .cases
            .iter()
            .filter(|c| c.id != victim.id)
            .map(|c| (&c.id, &c.name))
            .collect();
        let now: Vec<_> = out[path]
            .cases
            .iter()
            .filter(|c| c.name != "f-int32-one-again")
            .map(|c| (&c.id, &c.name))
            .collect();
        assert_eq!(kept, now, "{path}: ids or order changed");
    }
}

#[test]
fn every_cited_requirement_exists_in_the_spec() {
    let spec = fs::read_to_string(root().join("SPEC.md")).unwrap();
    let (store, _) = store();
    let (files, _) = store.parse();
    let mut missing = BTreeSet::new();
    for c in files.values().flat_map(|f| &f.cases) {
        for id in &c.spec {
            if !spec.contains(&format!("**{id}**")) {
                missing.insert(format!("{} cites {id}", c.id));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn coverage_of_the_tables_and_the_malformed_input_catalogue() {
    let (store, _) = store();
    let (files, _) = store.parse();
    let cases: Vec<_> = files.values().flat_map(|f| &f.cases).collect();
    let count = |k: Kind| cases.iter().filter(|c| c.kind == k).count();
    assert!(
        count(Kind::Reject) >= 40,
        "{} reject cases",
        count(Kind::Reject)
    );
    for e in tables().events() {
        let of = |k: Kind| {
            cases
                .iter()
                .filter(|c| c.kind == k && c.event.as_deref() == Some(&e.name))
                .count()
        };
        assert!(of(Kind::Request) >= 1, "no request vector for {}", e.name);
        let codes = match &e.errors {
            Errors::Any => 17,
            Errors::Codes(c) => c.len(),
        };
        assert!(
            of(Kind::Response) >= codes,
            "{}: {} responses for {codes} declared errors",
            e.name,
            of(Kind::Response)
        );
        assert!(
            cases
                .iter()
                .any(|c| c.kind == Kind::Dispatch
                    && c.steps.iter().flatten().any(|s| s.event == e.name)),
            "no dispatch vector for {}",
            e.name
        );
    }
    for n in tables().notifications() {
        assert!(
            cases.iter().any(|c| c.kind == Kind::Notification
                && c.inner
                    .as_ref()
                    .is_some_and(|i| i.ty == n.payload.full_name())
                && c.value
                    .as_ref()
                    .and_then(|v| v.get("source"))
                    .and_then(|s| s.as_str())
                    == Some(n.source.as_str())),
            "no vector for notification {}",
            n.name
        );
    }
    // Every AllTypesPB field appears in some encode vector.
    let all = eventwire_tools::vectors::codec::message("eventwire.v1.AllTypesPB").unwrap();
    for f in all.fields() {
        assert!(
            cases.iter().any(|c| c.kind == Kind::Encode
                && c.value
                    .as_ref()
                    .and_then(|v| v.get(f.json_name()))
                    .is_some()),
            "AllTypesPB.{} has no encode vector",
            f.name()
        );
    }
    // Anchors cite their source.
    for c in cases
        .iter()
        .filter(|c| c.tags.iter().any(|t| t == "anchor"))
    {
        assert_eq!(
            c.source.as_deref(),
            Some("https://protobuf.dev/programming-guides/encoding/"),
            "{}",
            c.id
        );
    }
    assert!(
        catalogue::all()
            .iter()
            .any(|d| matches!(d.body, Body::Wire { .. }))
    );
}

fn tool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eventwire-tools"))
}

#[test]
fn cli_exit_codes() {
    let ok = tool()
        .args(["--root"])
        .arg(root())
        .args(["vectors", "check"])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let usage = tool().args(["vectors", "frobnicate"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let usage = tool().output().unwrap();
    assert_eq!(usage.status.code(), Some(2));

    // A temporary copy with one byte changed: check fails with 1, generate repairs it.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("vectors");
    copy_dir(&root().join("vectors"), &copy);
    let path = copy.join("envelope.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let first_id = text
        .lines()
        .find_map(|l| l.strip_prefix("- id: "))
        .unwrap()
        .to_owned();
    fs::write(&path, flip_first_hex(&text, &first_id)).unwrap();
    let drift = tool()
        .arg("--root")
        .arg(tmp.path())
        .args(["vectors", "check"])
        .output()
        .unwrap();
    assert_eq!(drift.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&drift.stderr).contains(&first_id));
    let generate = tool()
        .arg("--root")
        .arg(tmp.path())
        .args(["vectors", "generate"])
        .output()
        .unwrap();
    assert_eq!(generate.status.code(), Some(0));
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn generate_refuses_pinned_bytes_for_default_map_entries_and_a_wrong_receiver_outcome() {
    use eventwire_tools::vectors::{catalogue::ExpectDef, compile::compile, format::Input};
    let base = catalogue::all()
        .into_iter()
        .find(|d| d.name == "f-int32-one")
        .unwrap();
    // REQ-ENC-4(e): an encode case with a default key (0), a default value (""), or either one
    // level down is refused.
    for value in [
        serde_json::json!({"mInt32String": {"0": "zero"}}),
        serde_json::json!({"mInt32String": {"5": ""}}),
        serde_json::json!({"mStringNested": {"k": {}}}),
    ] {
        let mut d = base.clone();
        d.body = Body::Encode {
            ty: "eventwire.v1.AllTypesPB",
            value: value.clone(),
        };
        let err = compile(&d).expect_err(&format!("{value} was pinned"));
        assert!(err.msg.contains("REQ-ENC-4"), "{err}");
    }
    // The same entries with non-default keys and values are fine.
    let mut d = base.clone();
    d.body = Body::Encode {
        ty: "eventwire.v1.AllTypesPB",
        value: serde_json::json!({"mInt32String": {"5": "five"}}),
    };
    compile(&d).unwrap();
    // A notification whose last payload arm is not a TickPB cannot be declared valid (rej-0071).
    let head = [&[0x0a, 0x0b][..], b"conformance", &[0x10, 0x01]].concat();
    let mut d = base.clone();
    d.body = Body::Reject {
        config: None,
        input: Input::Notification,
        bytes: [&head[..], &[0x22, 0x01, 0x01, 0x22, 0x01, 0x02]].concat(),
        expect: ExpectDef::Malformed(false),
    };
    let err = compile(&d).expect_err("an undecodable payload declared valid");
    assert!(err.msg.contains("malformed = true"), "{err}");
}

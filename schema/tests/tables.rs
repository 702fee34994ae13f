//! The event tables: the shipped ones load, and every rejection rule fires with a located error.

use std::path::PathBuf;

use eventwire_schema::{
    TableErrorKind, Tables, descriptor_pool, project_pb::SampleErrorCode, tables,
};

fn fixture(name: &str) -> Vec<eventwire_schema::TableError> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    match Tables::load_dir(&dir, descriptor_pool()) {
        Ok(_) => panic!("fixture {name} loaded but must be rejected"),
        Err(e) => e.errors,
    }
}

fn only(name: &str) -> eventwire_schema::TableError {
    let mut errors = fixture(name);
    assert_eq!(
        errors.len(),
        1,
        "fixture {name}: expected one error, got {errors:#?}"
    );
    errors.remove(0)
}

#[test]
fn shipped_tables_load() {
    let t = tables();
    let modules: Vec<_> = t.modules().iter().map(|m| m.name.as_str()).collect();
    assert_eq!(modules, ["conformance", "document", "user"]);
    assert_eq!(t.events().count(), 15);
    assert_eq!(t.notifications().count(), 4);
    let sign_in = t.event("SignIn").expect("SignIn");
    assert_eq!(sign_in.module, "user");
    assert_eq!(sign_in.id, 100);
    assert_eq!(
        sign_in.input.as_ref().unwrap().full_name(),
        "eventwire.v1.SignInPayloadPB"
    );
    assert_eq!(
        sign_in.output.as_ref().unwrap().full_name(),
        "eventwire.v1.UserProfilePB"
    );
    assert!(
        sign_in
            .errors
            .allows(SampleErrorCode::EmailFormatInvalid as i32)
    );
    assert!(
        !sign_in
            .errors
            .allows(SampleErrorCode::ViewIdIsInvalid as i32)
    );
    assert_eq!(sign_in.line, Some(6));
    assert!(t.event("GetUserProfile").unwrap().input.is_none());
    assert!(t.event("SignOut").unwrap().output.is_none());
    assert_eq!(t.event("Sleep").unwrap().timeout_ms, Some(200));
    // ty 1 means three different things in three sources.
    assert_eq!(t.notification("user", 1).unwrap().name, "UserSignedIn");
    assert_eq!(
        t.notification("document", 1).unwrap().name,
        "DocumentUpdated"
    );
    assert_eq!(t.notification("conformance", 1).unwrap().name, "Tick");
    assert!(t.notification("user", 3).is_none());
}

#[test]
fn shipped_tables_load_from_disk_like_embedded() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events");
    let disk = Tables::load_dir(dir, descriptor_pool()).unwrap();
    let names = |t: &Tables| {
        t.events()
            .map(|e| (e.name.clone(), e.id))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&disk), names(tables()));
}

#[test]
fn every_table_type_exists_in_the_descriptors() {
    let pool = descriptor_pool();
    for e in tables().events() {
        for d in e.input.iter().chain(&e.output) {
            assert!(
                pool.get_message_by_name(d.full_name()).is_some(),
                "{}: {}",
                e.name,
                d.full_name()
            );
        }
    }
    for n in tables().notifications() {
        assert!(pool.get_message_by_name(n.payload.full_name()).is_some());
    }
}

#[test]
fn rejects_an_event_name_declared_by_two_modules() {
    let e = only("duplicate_event_name");
    assert!(e.file.ends_with("b_folder.yaml"), "{e}");
    assert_eq!(e.line, Some(8));
    match &e.kind {
        TableErrorKind::DuplicateEventName {
            name,
            first_file,
            first_line,
        } => {
            assert_eq!(name, "DeleteWorkspace");
            assert!(first_file.ends_with("a_workspace.yaml"));
            assert_eq!(*first_line, Some(8));
        }
        other => panic!("wrong kind: {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("b_folder.yaml:8")
            && text.contains("a_workspace.yaml:8")
            && text.contains("`DeleteWorkspace`"),
        "{text}"
    );
}

#[test]
fn rejects_a_module_declared_by_two_files_at_both_lines() {
    let e = only("duplicate_module");
    assert!(e.file.ends_with("b_workspace.yaml"), "{e}");
    assert_eq!(e.line, Some(3));
    match &e.kind {
        TableErrorKind::DuplicateModule {
            name,
            first_file,
            first_line,
        } => {
            assert_eq!(name, "workspace");
            assert!(first_file.ends_with("a_workspace.yaml"));
            assert_eq!(*first_line, Some(1));
        }
        other => panic!("wrong kind: {other:?}"),
    }
    assert!(e.to_string().contains("a_workspace.yaml:1"), "{e}");
}

#[test]
fn rejects_a_duplicate_event_id() {
    let e = only("duplicate_event_id");
    assert_eq!(e.line, Some(8));
    assert!(
        matches!(&e.kind, TableErrorKind::DuplicateEventId { name, id: 7, first_name, .. } if name == "Second" && first_name == "First"),
        "{e}"
    );
}

#[test]
fn rejects_a_type_no_proto_defines() {
    let e = only("unknown_type");
    assert_eq!(e.line, Some(4));
    assert!(
        matches!(&e.kind, TableErrorKind::UnknownType { owner, field: "input", type_name, .. } if owner == "First" && type_name == "NoSuchMessagePB"),
        "{e}"
    );
}

#[test]
fn rejects_a_fully_qualified_type_in_another_package() {
    let e = only("unknown_notification_payload");
    assert!(
        matches!(&e.kind, TableErrorKind::UnknownType { field: "payload", type_name, .. } if type_name == ".other.pkg.TickPB"),
        "{e}"
    );
}

#[test]
fn rejects_a_duplicate_notification_source_and_ty() {
    let e = only("duplicate_notification");
    assert!(e.file.ends_with("b.yaml"));
    assert_eq!(e.line, Some(5));
    assert!(
        matches!(&e.kind, TableErrorKind::DuplicateNotification { name, source_name, ty: 1, first_name, first_file, .. }
        if name == "AlsoChanged" && source_name == "alpha" && first_name == "Changed" && first_file.ends_with("a.yaml")),
        "{e}"
    );
}

#[test]
fn rejects_an_event_name_that_breaks_the_naming_rule() {
    let e = only("bad_event_name");
    assert_eq!(e.line, Some(4));
    assert!(
        matches!(&e.kind, TableErrorKind::BadName { what: "event", name, .. } if name == "sign_in"),
        "{e}"
    );
}

#[test]
fn rejects_a_module_name_that_breaks_the_naming_rule() {
    let e = only("bad_module_name");
    assert_eq!(e.line, Some(1));
    assert!(
        matches!(&e.kind, TableErrorKind::BadName { what: "module", name, .. } if name == "Alpha-Module"),
        "{e}"
    );
}

#[test]
fn rejects_an_unknown_error_code() {
    let e = only("unknown_error_code");
    assert!(
        matches!(&e.kind, TableErrorKind::UnknownErrorCode { event, code } if event == "First" && code == "NO_SUCH_CODE"),
        "{e}"
    );
}

#[test]
fn rejects_an_unknown_key_with_its_line() {
    let e = only("unknown_key");
    assert_eq!(e.line, Some(8));
    assert!(
        matches!(&e.kind, TableErrorKind::Parse(msg) if msg.contains("retries")),
        "{e}"
    );
}

#[test]
fn shipped_tables_satisfy_the_published_json_schema() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("events.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let doc: serde_json::Value =
                serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 3);
}

#[test]
fn json_schema_rejects_what_the_loader_rejects_per_file() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("events/events.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for fixture in [
        "bad_event_name/a.yaml",
        "bad_module_name/a.yaml",
        "unknown_key/a.yaml",
    ] {
        let text = std::fs::read_to_string(dir.join("tests/fixtures").join(fixture)).unwrap();
        let doc: serde_json::Value = serde_norway::from_str(&text).unwrap();
        assert!(
            !validator.is_valid(&doc),
            "{fixture} should violate the JSON Schema"
        );
    }
}

//! "No fork needed", kept true: a brand-new application crate is written into a temporary
//! directory outside this repository, with its own package, messages, error codes, table,
//! notification and handlers, depending on Eventwire's crates by path as a user would. It is
//! built with cargo and run; its `main` dispatches through the generated surface and checks every
//! answer, and this test checks what it printed.

mod common;

use std::{fs, path::Path, process::Command};

const CARGO_TOML: &str = r#"[package]
name = "notes-app"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
eventwire = { path = "@ROOT@/reference-impl/eventwire" }
prost = "0.14"
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[build-dependencies]
eventwire-build = { path = "@ROOT@/reference-impl/build" }

# Its own workspace: nothing of the Eventwire repository is a member.
[workspace]
"#;

const BUILD_RS: &str = r#"fn main() -> Result<(), eventwire_build::Error> {
    eventwire_build::configure().include("proto").tables("events").compile()
}
"#;

const PROTO: &str = r#"syntax = "proto3";
package notes.v1;
import "eventwire/v1/errors.proto";

enum NotesError {
  NOTES_ERROR_UNSPECIFIED = 0;
  NOTES_ERROR_NOTE_NOT_FOUND = 7 [(eventwire.v1.category) = ERROR_CATEGORY_NOT_FOUND];
  NOTES_ERROR_EMPTY_TEXT = 8 [(eventwire.v1.category) = ERROR_CATEGORY_INVALID_ARGUMENT];
}

message NotePB {
  uint32 id = 1;
  string text = 2;
}

message NoteIdPB {
  uint32 id = 1;
}
"#;

const TABLE: &str = "module: notes
package: notes.v1
events:
  - name: AddNote
    id: 1
    input: NotePB
    output: NotePB
    errors: [EMPTY_TEXT]
    doc: Stores a note and gives it an id.
  - name: GetNote
    id: 2
    input: NoteIdPB
    output: NotePB
    errors: [NOTE_NOT_FOUND]
    doc: Returns a note.
notifications:
  - name: NoteAdded
    source: notes
    ty: 1
    payload: NotePB
    doc: A note was added.
";

const MAIN_RS: &str = r#"mod api {
    eventwire::include_generated!();
}

use std::sync::Mutex;

use api::{events, handlers::notes::{Module, NotesHandlers}, notes::v1::{NoteIdPb, NotePb, NotesError}, notifications};
use eventwire::{Context, Dispatcher, ErrorCategory, FlowyError, Outbound, RequestOptions, SessionConfig};
use prost::Message;

#[derive(Default)]
struct Notes(Mutex<Vec<String>>);

impl NotesHandlers for Notes {
    async fn add_note(&self, cx: &Context, input: NotePb) -> Result<NotePb, FlowyError> {
        if input.text.is_empty() {
            return Err(FlowyError::new(NotesError::EmptyText, "text: must not be empty"));
        }
        let note = {
            let mut notes = self.0.lock().unwrap();
            notes.push(input.text.clone());
            NotePb { id: notes.len() as u32, text: input.text }
        };
        cx.notify::<notifications::NoteAdded>(note.id.to_string(), &note);
        Ok(note)
    }

    async fn get_note(&self, _cx: &Context, input: NoteIdPb) -> Result<NotePb, FlowyError> {
        let notes = self.0.lock().unwrap();
        match notes.get((input.id as usize).wrapping_sub(1)) {
            Some(text) => Ok(NotePb { id: input.id, text: text.clone() }),
            None => Err(FlowyError::new(NotesError::NoteNotFound, format!("id: no note {}", input.id))),
        }
    }
}

#[tokio::main]
async fn main() {
    let d = Dispatcher::builder().mount(Module(Notes::default())).build().expect("builds");
    let note = d.call::<events::AddNote>(NotePb { id: 0, text: "hello".into() }).await.expect("added");
    assert_eq!((note.id, note.text.as_str()), (1, "hello"));
    let missing = d.call::<events::GetNote>(NoteIdPb { id: 9 }).await.expect_err("missing");
    assert_eq!((missing.code, missing.category), (NotesError::NoteNotFound as i32, ErrorCategory::NotFound as i32));
    let empty = d.call::<events::AddNote>(NotePb::default()).await.expect_err("empty");
    assert_eq!(empty.code, NotesError::EmptyText as i32);

    let (session, mut rx) = d.open_session(SessionConfig::new());
    let request = eventwire::pb::FfiRequest { event: "AddNote".into(), payload: NotePb { id: 0, text: "bytes".into() }.encode_to_vec() };
    session.submit(1, request.encode_to_vec(), RequestOptions::new());
    let Some(Outbound::Notification { subscribe_object, .. }) = rx.recv().await else { panic!("notification") };
    let object = eventwire::pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
    let Some(Outbound::Response { response, .. }) = rx.recv().await else { panic!("response") };
    let response = eventwire::pb::FfiResponse::decode(response.as_slice()).unwrap();
    let added = NotePb::decode(response.payload.as_slice()).unwrap();
    println!("added {} {}; missing {} {}; notified {}/{}/{}", added.id, added.text, missing.code, missing.msg, object.source, object.ty, object.id);
}
"#;

#[test]
fn a_new_crate_outside_the_workspace_builds_and_dispatches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    let cargo_toml = CARGO_TOML.replace("@ROOT@", &root.display().to_string());
    common::write_files(
        app,
        &[
            ("Cargo.toml", &cargo_toml),
            ("build.rs", BUILD_RS),
            ("proto/notes/v1/notes.proto", PROTO),
            ("events/notes.yaml", TABLE),
            ("src/main.rs", MAIN_RS),
        ],
    );
    // The repository's lock file: the same versions, so the workspace's build is reused.
    fs::copy(root.join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--offline"])
        .current_dir(app)
        .env(
            "CARGO_TARGET_DIR",
            std::env::var_os("CARGO_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| root.join("target")),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the new crate failed:\n{stderr}\n{stdout}"
    );
    assert_eq!(
        stdout.trim(),
        "added 2 bytes; missing 7 id: no note 9; notified notes/1/2"
    );
}

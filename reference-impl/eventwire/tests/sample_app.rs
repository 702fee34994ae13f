//! The sample application (`user`, `document`), through the typed API and the notifications it
//! emits.

mod common;

use common::*;
use eventwire::{
    Dispatcher, ErrorCategory as Cat, ErrorCode as Code, FlowyError, Outbound, RequestOptions,
    SessionConfig,
};
use eventwire_sample_app::reference::events;
use eventwire_sample_app::reference::pb;
use prost::Message;

fn sign_in(email: &str, password: &str, name: &str) -> pb::SignInPayloadPb {
    pb::SignInPayloadPb {
        email: email.into(),
        password: password.into(),
        name: name.into(),
    }
}

#[track_caller]
fn assert_code(e: FlowyError, code: impl Into<i32>, cat: Cat) -> FlowyError {
    assert_eq!((e.code, e.category), (code.into(), cat as i32), "{e:?}");
    e
}

/// The token rule, computed independently of the handler: FNV-1a 64 of "<id>:<email>".
fn expected_token(id: i64, email: &str) -> String {
    let mut hash: u64 = 14695981039346656037;
    for b in format!("{id}:{email}").bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(1099511628211);
    }
    format!("{hash:016x}")
}

#[tokio::test]
async fn sign_in_assigns_ids_tokens_and_the_current_user() {
    let d = dispatcher();
    assert_code(
        d.call::<events::GetUserProfile>(()).await.unwrap_err(),
        pb::SampleErrorCode::UserNotSignedIn,
        Cat::Unauthenticated,
    );
    let ada = d
        .call::<events::SignIn>(sign_in("ada@example.org", "pw", "Ada"))
        .await
        .unwrap();
    assert_eq!(
        ada,
        pb::UserProfilePb {
            id: 1,
            email: "ada@example.org".into(),
            name: "Ada".into(),
            token: expected_token(1, "ada@example.org"),
        }
    );
    let bob = d
        .call::<events::SignIn>(sign_in("bob@example.org", "pw", "Bob"))
        .await
        .unwrap();
    assert_eq!(bob.id, 2);
    assert_eq!(d.call::<events::GetUserProfile>(()).await.unwrap(), bob);
    // Signing in again with a known email keeps the id.
    let again = d
        .call::<events::SignIn>(sign_in("ada@example.org", "pw", "Ada L."))
        .await
        .unwrap();
    assert_eq!((again.id, again.name.as_str()), (1, "Ada L."));
    d.call::<events::SignOut>(()).await.unwrap();
    assert_code(
        d.call::<events::GetUserProfile>(()).await.unwrap_err(),
        pb::SampleErrorCode::UserNotSignedIn,
        Cat::Unauthenticated,
    );
    assert_code(
        d.call::<events::SignOut>(()).await.unwrap_err(),
        pb::SampleErrorCode::UserNotSignedIn,
        Cat::Unauthenticated,
    );
}

#[tokio::test]
async fn sign_in_validates_email_then_password() {
    let d = dispatcher();
    for email in [
        "",
        "ada",
        "@example.org",
        "ada@",
        "ada@example",
        "ada@.org",
        "ada@org.",
        "ada @example.org",
    ] {
        let e = assert_code(
            d.call::<events::SignIn>(sign_in(email, "pw", ""))
                .await
                .unwrap_err(),
            pb::SampleErrorCode::EmailFormatInvalid,
            Cat::InvalidArgument,
        );
        assert!(e.msg.starts_with("email: "), "{}", e.msg);
    }
    let e = assert_code(
        d.call::<events::SignIn>(sign_in("ada@example.org", "", ""))
            .await
            .unwrap_err(),
        pb::SampleErrorCode::PasswordIsEmpty,
        Cat::InvalidArgument,
    );
    assert!(e.msg.starts_with("password: "));
    assert_code(
        d.call::<events::GetUserProfile>(()).await.unwrap_err(),
        pb::SampleErrorCode::UserNotSignedIn,
        Cat::Unauthenticated,
    );
}

#[tokio::test]
async fn update_user_profile_changes_only_the_set_fields() {
    let d = dispatcher();
    let update = |name: Option<&str>, email: Option<&str>| pb::UpdateUserProfilePayloadPb {
        name: name.map(Into::into),
        email: email.map(Into::into),
    };
    assert_code(
        d.call::<events::UpdateUserProfile>(update(Some("x"), None))
            .await
            .unwrap_err(),
        pb::SampleErrorCode::UserNotSignedIn,
        Cat::Unauthenticated,
    );
    d.call::<events::SignIn>(sign_in("ada@example.org", "pw", "Ada"))
        .await
        .unwrap();
    let p = d
        .call::<events::UpdateUserProfile>(update(Some(""), None))
        .await
        .unwrap();
    assert_eq!(
        (p.name.as_str(), p.email.as_str()),
        ("", "ada@example.org"),
        "an empty name is a set field"
    );
    let p = d
        .call::<events::UpdateUserProfile>(update(None, Some("ada@math.org")))
        .await
        .unwrap();
    assert_eq!((p.name.as_str(), p.email.as_str()), ("", "ada@math.org"));
    assert_eq!(p.token, expected_token(1, "ada@math.org"));
    assert_code(
        d.call::<events::UpdateUserProfile>(update(Some("Z"), Some("bad")))
            .await
            .unwrap_err(),
        pb::SampleErrorCode::EmailFormatInvalid,
        Cat::InvalidArgument,
    );
    assert_eq!(
        d.call::<events::GetUserProfile>(()).await.unwrap(),
        p,
        "a rejected update changes nothing"
    );
}

async fn next_notification(rx: &mut eventwire::SessionReceiver) -> pb::SubscribeObject {
    match rx.recv().await.unwrap() {
        Outbound::Notification {
            subscribe_object, ..
        } => pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap(),
        other => panic!("expected a notification, got {other:?}"),
    }
}

fn payload<M: Message + Default>(o: &pb::SubscribeObject) -> M {
    let Some(pb::subscribe_object::PayloadOneof::Payload(p)) = &o.payload_oneof else {
        panic!("{o:?}")
    };
    M::decode(p.as_slice()).unwrap()
}

#[tokio::test]
async fn user_events_notify_with_the_user_id() {
    let d = dispatcher();
    let (_s, mut rx) = d.open_session(SessionConfig::default());
    let ada = d
        .call::<events::SignIn>(sign_in("ada@example.org", "pw", "Ada"))
        .await
        .unwrap();
    let n = next_notification(&mut rx).await;
    assert_eq!((n.source.as_str(), n.ty, n.id.as_str()), ("user", 1, "1"));
    assert_eq!(payload::<pb::UserProfilePb>(&n), ada);
    let p = d
        .call::<events::UpdateUserProfile>(pb::UpdateUserProfilePayloadPb {
            name: Some("A".into()),
            email: None,
        })
        .await
        .unwrap();
    let n = next_notification(&mut rx).await;
    assert_eq!(
        (n.source.as_str(), n.ty, n.id.as_str(), n.seq),
        ("user", 2, "1", 2)
    );
    assert_eq!(payload::<pb::UserProfilePb>(&n), p);
}

fn edit(id: &str, offset: u32, delete: u32, insert: &str) -> pb::EditPayloadPb {
    pb::EditPayloadPb {
        document_id: id.into(),
        offset,
        delete,
        insert: insert.into(),
    }
}

#[tokio::test]
async fn documents_open_edit_by_unicode_scalar_values_and_notify() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::default());
    let open = |id: &str| pb::OpenDocumentContextPb {
        document_id: id.into(),
    };
    let doc = d.call::<events::GetDocument>(open("notes")).await.unwrap();
    assert_eq!(
        doc,
        pb::DocumentSnapshotPb {
            document_id: "notes".into(),
            content: String::new(),
            revision: 0
        }
    );

    // Through the session: the DocumentUpdated notification precedes the ApplyEdit response.
    session.submit(
        1,
        request("ApplyEdit", edit("notes", 0, 0, "héllo wörld")),
        RequestOptions::default(),
    );
    let n = next_notification(&mut rx).await;
    assert_eq!(
        (n.source.as_str(), n.ty, n.id.as_str()),
        ("document", 1, "notes")
    );
    let snapshot: pb::DocumentSnapshotPb = payload(&n);
    assert_eq!(
        (snapshot.content.as_str(), snapshot.revision),
        ("héllo wörld", 1)
    );
    let Some(Outbound::Response {
        request_id: 1,
        response,
    }) = rx.recv().await
    else {
        panic!()
    };
    assert!(matches!(answer(&response), Answer::Ok(p) if p.is_empty()));

    // Offsets count characters: "wörld" starts at 6 and is 5 long.
    d.call::<events::ApplyEdit>(edit("notes", 6, 5, "🌍"))
        .await
        .unwrap();
    let doc = d.call::<events::GetDocument>(open("notes")).await.unwrap();
    assert_eq!((doc.content.as_str(), doc.revision), ("héllo 🌍", 2));
    d.call::<events::ApplyEdit>(edit("notes", 7, 0, "!"))
        .await
        .unwrap(); // at the end
    let doc = d.call::<events::GetDocument>(open("notes")).await.unwrap();
    assert_eq!((doc.content.as_str(), doc.revision), ("héllo 🌍!", 3));
}

#[tokio::test]
async fn document_errors() {
    let d = dispatcher();
    for blank in ["", " ", "\t\n"] {
        let e = assert_code(
            d.call::<events::GetDocument>(pb::OpenDocumentContextPb {
                document_id: blank.into(),
            })
            .await
            .unwrap_err(),
            Code::InvalidParams,
            Cat::InvalidArgument,
        );
        assert!(e.msg.starts_with("document_id: "), "{}", e.msg);
    }
    assert_code(
        d.call::<events::ApplyEdit>(edit("nope", 0, 0, "x"))
            .await
            .unwrap_err(),
        Code::RecordNotFound,
        Cat::NotFound,
    );
    d.call::<events::GetDocument>(pb::OpenDocumentContextPb {
        document_id: "d".into(),
    })
    .await
    .unwrap();
    d.call::<events::ApplyEdit>(edit("d", 0, 0, "abc"))
        .await
        .unwrap();
    let e = assert_code(
        d.call::<events::ApplyEdit>(edit("d", 4, 0, "x"))
            .await
            .unwrap_err(),
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert!(e.msg.starts_with("offset: "), "{}", e.msg);
    let e = assert_code(
        d.call::<events::ApplyEdit>(edit("d", 2, 2, "x"))
            .await
            .unwrap_err(),
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert!(e.msg.starts_with("delete: "), "{}", e.msg);
    let e = assert_code(
        d.call::<events::ApplyEdit>(edit("d", u32::MAX, u32::MAX, ""))
            .await
            .unwrap_err(),
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert!(e.msg.starts_with("offset: "), "{}", e.msg);
    let doc = d
        .call::<events::GetDocument>(pb::OpenDocumentContextPb {
            document_id: "d".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (doc.content.as_str(), doc.revision),
        ("abc", 1),
        "rejected edits change nothing"
    );
}

async fn export(d: &Dispatcher, view_id: &str, ty: i32) -> Result<pb::ExportDataPb, FlowyError> {
    d.call::<events::ExportDocument>(pb::ExportPayloadPb {
        view_id: view_id.into(),
        export_type: ty,
    })
    .await
}

#[tokio::test]
async fn export_document_in_every_format() {
    let d = dispatcher();
    d.call::<events::GetDocument>(pb::OpenDocumentContextPb {
        document_id: "doc-1".into(),
    })
    .await
    .unwrap();
    d.call::<events::ApplyEdit>(edit("doc-1", 0, 0, "Body text"))
        .await
        .unwrap();
    let text = export(&d, "doc-1", pb::ExportType::Text as i32)
        .await
        .unwrap();
    assert_eq!(
        text,
        pb::ExportDataPb {
            data: "Body text".into(),
            export_type: pb::ExportType::Text as i32
        }
    );
    let md = export(&d, "doc-1", pb::ExportType::Markdown as i32)
        .await
        .unwrap();
    assert_eq!(md.data, "# doc-1\n\nBody text");
    let link = export(&d, "doc-1", pb::ExportType::Link as i32)
        .await
        .unwrap();
    assert_eq!(
        (link.data.as_str(), link.export_type),
        ("eventwire://document/doc-1", pb::ExportType::Link as i32)
    );

    let e = assert_code(
        export(&d, " ", 0).await.unwrap_err(),
        pb::SampleErrorCode::ViewIdIsInvalid,
        Cat::InvalidArgument,
    );
    assert_eq!(e.msg, "view_id: View id can not be empty or whitespace");
    assert_code(
        export(&d, "unknown", 0).await.unwrap_err(),
        Code::RecordNotFound,
        Cat::NotFound,
    );
    let e = assert_code(
        export(&d, "doc-1", 9).await.unwrap_err(),
        Code::InvalidParams,
        Cat::InvalidArgument,
    );
    assert!(e.msg.starts_with("export_type: "));
}

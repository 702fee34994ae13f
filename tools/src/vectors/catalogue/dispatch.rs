//! Request sequences against one fresh backend, with the responses and notifications SPEC.md
//! fixes for the sample application and the conformance module.

use eventwire_schema::{pb::ErrorCode, project_pb::SampleErrorCode};
use serde_json::{Value as Json, json};

use super::spec::{self, *};
use super::{Arm, Body, Def, ExpectDef, NotifDef, StepDef, def};
use spec::event_requirement;

/// The session token of the sample app: FNV-1a (64 bit) of "<id>:<email>", 16 lower-case hex
/// digits. Written here from the FNV definition so the vectors do not take it from the backend.
pub fn token(id: i64, email: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{id}:{email}").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn step(event: &'static str, payload: Option<Json>, expect: ExpectDef) -> StepDef {
    StepDef {
        event,
        payload,
        expect,
    }
}

fn ok(output: Option<Json>) -> ExpectDef {
    ExpectDef::Ok {
        output,
        notifications: Vec::new(),
    }
}

fn ok_n(output: Option<Json>, notifications: Vec<NotifDef>) -> ExpectDef {
    ExpectDef::Ok {
        output,
        notifications,
    }
}

fn err(code: impl Into<i32>) -> ExpectDef {
    ExpectDef::Err {
        code: code.into(),
        payload: None,
    }
}

fn note(source: &'static str, ty: i32, id: &str, payload: Json) -> NotifDef {
    NotifDef {
        source,
        ty,
        id: id.to_owned(),
        arm: Arm::Payload(payload),
    }
}

fn profile(id: i64, email: &str, name: &str) -> Json {
    let mut p = json!({"id": id.to_string(), "email": email, "token": token(id, email)});
    if !name.is_empty() {
        p["name"] = json!(name);
    }
    p
}

fn sign_in(email: &str, name: &str) -> Json {
    let mut p = json!({"email": email, "password": "pw"});
    if !name.is_empty() {
        p["name"] = json!(name);
    }
    p
}

fn case(
    file: &'static str,
    name: &str,
    description: &str,
    spec: &[&'static str],
    tags: &[&'static str],
    steps: Vec<StepDef>,
) -> Def {
    let mut spec = spec.to_vec();
    for s in &steps {
        if let Some(r) = event_requirement(s.event) {
            if !spec.contains(&r) {
                spec.push(r);
            }
        }
    }
    def(
        file,
        name,
        description,
        &spec,
        tags,
        Body::Dispatch {
            config: None,
            steps,
        },
    )
}

pub fn defs() -> Vec<Def> {
    let mut d = user();
    d.extend(document());
    d.extend(conformance());
    d
}

fn signed_in(email: &str) -> StepDef {
    step(
        "SignIn",
        Some(sign_in(email, "Ada")),
        ok_n(
            Some(profile(1, email, "Ada")),
            vec![note("user", 1, "1", profile(1, email, "Ada"))],
        ),
    )
}

fn user() -> Vec<Def> {
    const F: &str = "dispatch/user.yaml";
    let a = &[APP_USER][..];
    let bad_emails = [
        ("no-at", "ada.example.org"),
        ("empty-local", "@example.org"),
        ("no-dot", "ada@example"),
        ("dot-at-end", "ada@example."),
        ("dot-at-start", "ada@.org"),
        ("whitespace", "ada @example.org"),
        ("empty", ""),
    ];
    let mut d = vec![
        case(
            F,
            "sign-in",
            "SignIn answers the new profile (id 1) after emitting UserSignedIn for it.",
            &[APP_USER, NOTIF_ORDER, NOTIF_SEQ],
            &["app", "notification"],
            vec![signed_in("ada@example.org")],
        ),
        case(
            F,
            "sign-in-twice",
            "A second sign-in gets id 2, and the notification seq continues at 2.",
            &[APP_USER, NOTIF_SEQ],
            &["app", "notification"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "SignIn",
                    Some(sign_in("bob@example.com", "")),
                    ok_n(
                        Some(profile(2, "bob@example.com", "")),
                        vec![note("user", 1, "2", profile(2, "bob@example.com", ""))],
                    ),
                ),
                step(
                    "GetUserProfile",
                    None,
                    ok(Some(profile(2, "bob@example.com", ""))),
                ),
            ],
        ),
        case(
            F,
            "sign-in-known-email",
            "Signing in again with a stored email reuses that user (same id) and replaces its name.",
            a,
            &["app", "notification"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "SignIn",
                    Some(sign_in("bob@example.com", "")),
                    ok_n(
                        Some(profile(2, "bob@example.com", "")),
                        vec![note("user", 1, "2", profile(2, "bob@example.com", ""))],
                    ),
                ),
                step(
                    "SignIn",
                    Some(sign_in("ada@example.org", "Countess")),
                    ok_n(
                        Some(profile(1, "ada@example.org", "Countess")),
                        vec![note(
                            "user",
                            1,
                            "1",
                            profile(1, "ada@example.org", "Countess"),
                        )],
                    ),
                ),
            ],
        ),
        case(
            F,
            "sign-in-bad-email-before-password",
            "Both email and password invalid: the email is checked first.",
            a,
            &["app", "validation", "order"],
            vec![step(
                "SignIn",
                Some(json!({"email": "nope"})),
                err(SampleErrorCode::EmailFormatInvalid),
            )],
        ),
        case(
            F,
            "update-profile-nothing-set",
            "No field set: nothing changes, ProfileUpdated is still emitted.",
            a,
            &["app", "notification", "optional"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "UpdateUserProfile",
                    Some(json!({})),
                    ok_n(
                        Some(profile(1, "ada@example.org", "Ada")),
                        vec![note("user", 2, "1", profile(1, "ada@example.org", "Ada"))],
                    ),
                ),
            ],
        ),
        case(
            F,
            "sign-in-empty-password",
            "An empty password: PASSWORD_IS_EMPTY, no notification.",
            a,
            &["app", "validation"],
            vec![step(
                "SignIn",
                Some(json!({"email": "ada@example.org"})),
                err(SampleErrorCode::PasswordIsEmpty),
            )],
        ),
        case(
            F,
            "get-profile-signed-out",
            "No user: USER_NOT_SIGNED_IN.",
            a,
            &["app"],
            vec![step(
                "GetUserProfile",
                None,
                err(SampleErrorCode::UserNotSignedIn),
            )],
        ),
        case(
            F,
            "get-profile",
            "The current user's profile.",
            a,
            &["app"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "GetUserProfile",
                    None,
                    ok(Some(profile(1, "ada@example.org", "Ada"))),
                ),
            ],
        ),
        case(
            F,
            "update-profile-signed-out",
            "No user: USER_NOT_SIGNED_IN.",
            a,
            &["app"],
            vec![step(
                "UpdateUserProfile",
                Some(json!({"name": "x"})),
                err(SampleErrorCode::UserNotSignedIn),
            )],
        ),
        case(
            F,
            "update-profile-name",
            "Only the set field changes; ProfileUpdated precedes the response.",
            &[APP_USER, NOTIF_ORDER],
            &["app", "notification", "optional"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "UpdateUserProfile",
                    Some(json!({"name": "Ada L."})),
                    ok_n(
                        Some(profile(1, "ada@example.org", "Ada L.")),
                        vec![note(
                            "user",
                            2,
                            "1",
                            profile(1, "ada@example.org", "Ada L."),
                        )],
                    ),
                ),
            ],
        ),
        case(
            F,
            "update-profile-name-to-empty",
            "`optional` name set to \"\" clears the name (presence, not value, decides).",
            &[APP_USER, ENC_DEFAULTS],
            &["app", "optional", "defaults"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "UpdateUserProfile",
                    Some(json!({"name": ""})),
                    ok_n(
                        Some(profile(1, "ada@example.org", "")),
                        vec![note("user", 2, "1", profile(1, "ada@example.org", ""))],
                    ),
                ),
            ],
        ),
        case(
            F,
            "update-profile-email",
            "A new email changes the token too.",
            a,
            &["app", "notification"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "UpdateUserProfile",
                    Some(json!({"email": "ada@example.net"})),
                    ok_n(
                        Some(profile(1, "ada@example.net", "Ada")),
                        vec![note("user", 2, "1", profile(1, "ada@example.net", "Ada"))],
                    ),
                ),
            ],
        ),
        case(
            F,
            "update-profile-bad-email",
            "An invalid new email: EMAIL_FORMAT_INVALID; the profile is unchanged.",
            a,
            &["app", "validation"],
            vec![
                signed_in("ada@example.org"),
                step(
                    "UpdateUserProfile",
                    Some(json!({"email": "nope"})),
                    err(SampleErrorCode::EmailFormatInvalid),
                ),
                step(
                    "GetUserProfile",
                    None,
                    ok(Some(profile(1, "ada@example.org", "Ada"))),
                ),
            ],
        ),
        case(
            F,
            "sign-out-signed-out",
            "No user: USER_NOT_SIGNED_IN.",
            a,
            &["app"],
            vec![step("SignOut", None, err(SampleErrorCode::UserNotSignedIn))],
        ),
        case(
            F,
            "sign-out",
            "SignOut clears the current user (an OK response with an empty payload).",
            a,
            &["app"],
            vec![
                signed_in("ada@example.org"),
                step("SignOut", None, ok(None)),
                step(
                    "GetUserProfile",
                    None,
                    err(SampleErrorCode::UserNotSignedIn),
                ),
            ],
        ),
    ];
    for (slug, email) in bad_emails {
        d.push(case(
            F,
            &format!("sign-in-bad-email-{slug}"),
            &format!("Email {email:?} is not local@domain: EMAIL_FORMAT_INVALID."),
            a,
            &["app", "validation"],
            vec![step(
                "SignIn",
                Some(json!({"email": email, "password": "pw"})),
                err(SampleErrorCode::EmailFormatInvalid),
            )],
        ));
    }
    d
}

fn snapshot(id: &str, content: &str, revision: i64) -> Json {
    let mut s = json!({"documentId": id});
    if !content.is_empty() {
        s["content"] = json!(content);
    }
    if revision != 0 {
        s["revision"] = json!(revision.to_string());
    }
    s
}

fn document() -> Vec<Def> {
    const F: &str = "dispatch/document.yaml";
    let a = &[APP_DOCUMENT][..];
    let open = || {
        step(
            "GetDocument",
            Some(json!({"documentId": "notes"})),
            ok(Some(snapshot("notes", "", 0))),
        )
    };
    let edit = |offset: u32, delete: u32, insert: &str, after: &str, rev: i64| {
        let mut p = json!({"documentId": "notes"});
        if offset != 0 {
            p["offset"] = json!(offset);
        }
        if delete != 0 {
            p["delete"] = json!(delete);
        }
        if !insert.is_empty() {
            p["insert"] = json!(insert);
        }
        step(
            "ApplyEdit",
            Some(p),
            ok_n(
                None,
                vec![note("document", 1, "notes", snapshot("notes", after, rev))],
            ),
        )
    };
    let export = |ty: &str, data: &str| {
        let mut out = json!({"data": data});
        let mut input = json!({"viewId": "notes"});
        if ty != "EXPORT_TYPE_TEXT" {
            out["exportType"] = json!(ty);
            input["exportType"] = json!(ty);
        }
        step("ExportDocument", Some(input), ok(Some(out)))
    };
    vec![
        case(
            F,
            "get-document-new",
            "A new document is created empty at revision 0.",
            a,
            &["app"],
            vec![open()],
        ),
        case(
            F,
            "get-document-empty-id",
            "An empty document_id: INVALID_PARAMS.",
            a,
            &["app", "validation"],
            vec![step(
                "GetDocument",
                Some(json!({})),
                err(ErrorCode::InvalidParams),
            )],
        ),
        case(
            F,
            "get-document-whitespace-id",
            "A whitespace document_id: INVALID_PARAMS.",
            a,
            &["app", "validation"],
            vec![step(
                "GetDocument",
                Some(json!({"documentId": " \t"})),
                err(ErrorCode::InvalidParams),
            )],
        ),
        case(
            F,
            "apply-edit-unknown-document",
            "An edit to a document never opened: RECORD_NOT_FOUND.",
            a,
            &["app"],
            vec![step(
                "ApplyEdit",
                Some(json!({"documentId": "notes", "insert": "x"})),
                err(ErrorCode::RecordNotFound),
            )],
        ),
        case(
            F,
            "apply-edit",
            "Edits apply in order; each emits DocumentUpdated before its response; offsets count Unicode scalar values.",
            &[APP_DOCUMENT, NOTIF_ORDER, NOTIF_SEQ],
            &["app", "notification", "utf8"],
            vec![
                open(),
                edit(0, 0, "héllo", "héllo", 1),
                edit(1, 1, "e🦀", "he🦀llo", 2),
                step(
                    "GetDocument",
                    Some(json!({"documentId": "notes"})),
                    ok(Some(snapshot("notes", "he🦀llo", 2))),
                ),
            ],
        ),
        case(
            F,
            "apply-edit-past-end",
            "offset + delete beyond the length (in scalar values): INVALID_PARAMS, nothing changes.",
            a,
            &["app", "validation", "utf8"],
            vec![
                open(),
                edit(0, 0, "é", "é", 1),
                step(
                    "ApplyEdit",
                    Some(json!({"documentId": "notes", "offset": 1, "delete": 1})),
                    err(ErrorCode::InvalidParams),
                ),
                step(
                    "ApplyEdit",
                    Some(json!({"documentId": "notes", "offset": 2})),
                    err(ErrorCode::InvalidParams),
                ),
                step(
                    "GetDocument",
                    Some(json!({"documentId": "notes"})),
                    ok(Some(snapshot("notes", "é", 1))),
                ),
            ],
        ),
        case(
            F,
            "export-text-markdown-link",
            "The three export types.",
            a,
            &["app", "enum"],
            vec![
                open(),
                edit(0, 0, "body", "body", 1),
                export("EXPORT_TYPE_TEXT", "body"),
                export("EXPORT_TYPE_MARKDOWN", "# notes\n\nbody"),
                export("EXPORT_TYPE_LINK", "eventwire://document/notes"),
            ],
        ),
        case(
            F,
            "export-empty-view-id",
            "An empty view_id: VIEW_ID_IS_INVALID.",
            a,
            &["app", "validation"],
            vec![step(
                "ExportDocument",
                Some(json!({})),
                err(SampleErrorCode::ViewIdIsInvalid),
            )],
        ),
        case(
            F,
            "export-whitespace-view-id",
            "A whitespace view_id: VIEW_ID_IS_INVALID.",
            a,
            &["app", "validation"],
            vec![step(
                "ExportDocument",
                Some(json!({"viewId": "  "})),
                err(SampleErrorCode::ViewIdIsInvalid),
            )],
        ),
        case(
            F,
            "export-unknown-type",
            "An export_type that ExportType does not declare: INVALID_PARAMS.",
            a,
            &["app", "validation", "enum"],
            vec![
                open(),
                step(
                    "ExportDocument",
                    Some(json!({"viewId": "notes", "exportType": 7})),
                    err(ErrorCode::InvalidParams),
                ),
            ],
        ),
        case(
            F,
            "export-unknown-document",
            "A document never opened: RECORD_NOT_FOUND.",
            a,
            &["app"],
            vec![step(
                "ExportDocument",
                Some(json!({"viewId": "nope"})),
                err(ErrorCode::RecordNotFound),
            )],
        ),
    ]
}

fn recursive(levels: u32) -> Json {
    let mut v = json!({"depth": levels});
    for depth in (1..levels).rev() {
        v = json!({"depth": depth, "child": v});
    }
    v
}

fn conformance() -> Vec<Def> {
    const F: &str = "dispatch/conformance.yaml";
    let tick = |i: u32, id: &str| {
        let mut p = json!({"id": id});
        if i != 0 {
            p["index"] = json!(i);
        }
        if id.is_empty() {
            p = if i != 0 {
                json!({"index": i})
            } else {
                json!({})
            };
        }
        note("conformance", 1, id, p)
    };
    let all = json!({
        "fDouble": 1.5, "fFloat": -0.25, "fInt32": -1, "fInt64": "-9223372036854775808", "fUint32": 4294967295u32,
        "fUint64": "18446744073709551615", "fSint32": -2, "fSint64": "2", "fFixed32": 7, "fFixed64": "8",
        "fSfixed32": -9, "fSfixed64": "-10", "fBool": true, "fString": "日本 🦀", "fBytes": "AP8=",
        "fEnum": "CONFORMANCE_ENUM_NEGATIVE", "fNested": {"a": 1, "b": "n"},
        "rInt32Packed": [1, -1], "rInt32Unpacked": [2, 3], "rSint64Packed": ["-1"], "rDoublePacked": [0.5],
        "rString": ["", "s"], "rBytes": ["AQ=="], "rNested": [{}, {"a": 2}], "rEnum": ["CONFORMANCE_ENUM_ONE", 9],
        "mStringInt32": {"b": 2, "a": 1}, "mInt32String": {"-5": "m"}, "mStringNested": {"k": {"b": "v"}},
        "mUint64Bytes": {"3": "Aw=="}, "mBoolEnum": {"true": "CONFORMANCE_ENUM_ONE"},
        "oNested": {}, "pInt32": 0, "pString": "", "pEnum": "CONFORMANCE_ENUM_ZERO", "pBool": false
    });
    vec![
        case(
            F,
            "echo-all-types",
            "Echo answers every proto3 feature unchanged, canonically.",
            &[MOD_ECHO],
            &["conformance"],
            vec![step("Echo", Some(all.clone()), ok(Some(all)))],
        ),
        case(
            F,
            "echo-empty",
            "Echo of the empty message: OK with an empty payload.",
            &[MOD_ECHO],
            &["conformance", "defaults"],
            vec![step("Echo", Some(json!({})), ok(Some(json!({}))))],
        ),
        case(
            F,
            "raise-error",
            "RaiseError answers exactly the code and payload it was given, with the code's category.",
            &[MOD_RAISE, ENV_CATEGORY],
            &["conformance", "error"],
            vec![step(
                "RaiseError",
                Some(json!({"code": "ERROR_CODE_RECORD_NOT_FOUND", "msg": "m", "payload": "AQI="})),
                ExpectDef::Err {
                    code: ErrorCode::RecordNotFound.into(),
                    payload: Some(vec![1, 2]),
                },
            )],
        ),
        case(
            F,
            "raise-error-code-zero",
            "RaiseError with code INTERNAL (0, the default).",
            &[MOD_RAISE, ENV_CATEGORY],
            &["conformance", "error", "defaults"],
            vec![step(
                "RaiseError",
                Some(json!({})),
                ExpectDef::Err {
                    code: ErrorCode::Internal.into(),
                    payload: Some(vec![]),
                },
            )],
        ),
        case(
            F,
            "raise-error-retryable",
            "RaiseError with OVERLOADED: category RESOURCE_EXHAUSTED.",
            &[MOD_RAISE, ENV_CATEGORY],
            &["conformance", "error"],
            vec![step(
                "RaiseError",
                Some(json!({"code": "ERROR_CODE_OVERLOADED"})),
                ExpectDef::Err {
                    code: ErrorCode::Overloaded.into(),
                    payload: Some(vec![]),
                },
            )],
        ),
        case(
            F,
            "raise-error-unknown-code",
            "A code not in ErrorCode: INVALID_PARAMS.",
            &[MOD_RAISE, VAL_PARAMS],
            &["conformance", "enum", "validation"],
            vec![step(
                "RaiseError",
                Some(json!({"code": 150})),
                err(ErrorCode::InvalidParams),
            )],
        ),
        case(
            F,
            "panic",
            "A panicking handler: INTERNAL, and the backend keeps serving.",
            &[MOD_PANIC],
            &["conformance", "panic"],
            vec![
                step(
                    "Panic",
                    Some(json!({"message": "boom"})),
                    err(ErrorCode::Internal),
                ),
                step("Ping", None, ok(Some(json!({"message": "pong"})))),
            ],
        ),
        case(
            F,
            "sleep-short",
            "Sleep well within the 200 ms deadline.",
            &[MOD_SLEEP],
            &["conformance"],
            vec![step(
                "Sleep",
                Some(json!({"millis": 10})),
                ok(Some(json!({"sleptMillis": 10}))),
            )],
        ),
        case(
            F,
            "sleep-zero",
            "Sleep 0: OK with the empty result.",
            &[MOD_SLEEP],
            &["conformance", "defaults"],
            vec![step("Sleep", Some(json!({})), ok(Some(json!({}))))],
        ),
        case(
            F,
            "sleep-timeout",
            "Sleep far past the event's 200 ms deadline: REQUEST_TIMEOUT.",
            &[MOD_SLEEP],
            &["conformance", "timeout"],
            vec![step(
                "Sleep",
                Some(json!({"millis": 1000})),
                err(ErrorCode::RequestTimeout),
            )],
        ),
        case(
            F,
            "emit-notifications",
            "Three Ticks, in order, then the response.",
            &[MOD_EMIT, NOTIF_ORDER, NOTIF_SEQ],
            &["conformance", "notification"],
            vec![step(
                "EmitNotifications",
                Some(json!({"count": 3, "id": "r"})),
                ok_n(
                    Some(json!({"emitted": 3})),
                    vec![tick(0, "r"), tick(1, "r"), tick(2, "r")],
                ),
            )],
        ),
        case(
            F,
            "emit-notifications-none",
            "count 0: no notification, OK with the empty result.",
            &[MOD_EMIT],
            &["conformance", "notification", "defaults"],
            vec![step(
                "EmitNotifications",
                Some(json!({})),
                ok(Some(json!({}))),
            )],
        ),
        case(
            F,
            "emit-notifications-errors",
            "as_error: each notification carries FlowyError{INTERNAL, \"tick <i>\"}.",
            &[MOD_EMIT, NOTIF_SHAPE],
            &["conformance", "notification", "error"],
            vec![step(
                "EmitNotifications",
                Some(json!({"count": 2, "id": "e", "asError": true})),
                ok_n(
                    Some(json!({"emitted": 2})),
                    vec![
                        NotifDef {
                            source: "conformance",
                            ty: 1,
                            id: "e".into(),
                            arm: Arm::Error {
                                code: ErrorCode::Internal,
                                msg: "tick 0".into(),
                            },
                        },
                        NotifDef {
                            source: "conformance",
                            ty: 1,
                            id: "e".into(),
                            arm: Arm::Error {
                                code: ErrorCode::Internal,
                                msg: "tick 1".into(),
                            },
                        },
                    ],
                ),
            )],
        ),
        case(
            F,
            "emit-notifications-too-many",
            "count 1001: INVALID_PARAMS and no notification.",
            &[MOD_EMIT, VAL_PARAMS],
            &["conformance", "validation"],
            vec![step(
                "EmitNotifications",
                Some(json!({"count": 1001})),
                err(ErrorCode::InvalidParams),
            )],
        ),
        case(
            F,
            "emit-notifications-seq-across-requests",
            "seq keeps counting across requests on one subscriber.",
            &[MOD_EMIT, NOTIF_SEQ],
            &["conformance", "notification"],
            vec![
                step(
                    "EmitNotifications",
                    Some(json!({"count": 1, "id": "a"})),
                    ok_n(Some(json!({"emitted": 1})), vec![tick(0, "a")]),
                ),
                step(
                    "EmitNotifications",
                    Some(json!({"count": 2, "id": "b"})),
                    ok_n(
                        Some(json!({"emitted": 2})),
                        vec![tick(0, "b"), tick(1, "b")],
                    ),
                ),
            ],
        ),
        case(
            F,
            "ping",
            "Ping, the event without input.",
            &[MOD_PING],
            &["conformance"],
            vec![step("Ping", None, ok(Some(json!({"message": "pong"}))))],
        ),
        case(
            F,
            "discard",
            "Discard, the event without output: OK with an empty payload.",
            &[MOD_DISCARD],
            &["conformance"],
            vec![step("Discard", Some(json!({"a": 1})), ok(None))],
        ),
        case(
            F,
            "nest-one",
            "Nest of a single level.",
            &[MOD_NEST],
            &["conformance", "nesting"],
            vec![step(
                "Nest",
                Some(json!({"depth": 1})),
                ok(Some(json!({"depth": 1}))),
            )],
        ),
        case(
            F,
            "nest-empty",
            "Nest of an empty RecursivePB: still one level.",
            &[MOD_NEST],
            &["conformance", "nesting", "defaults"],
            vec![step("Nest", Some(json!({})), ok(Some(json!({"depth": 1}))))],
        ),
        case(
            F,
            "nest-64",
            "64 levels: exactly the default limit, accepted.",
            &[MOD_NEST, LIMIT_NESTING],
            &["conformance", "nesting", "limit"],
            vec![step(
                "Nest",
                Some(recursive(64)),
                ok(Some(json!({"depth": 64}))),
            )],
        ),
    ]
}

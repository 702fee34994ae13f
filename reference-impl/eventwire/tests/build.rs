//! Start-up checks: every event of the dispatcher's schemas has exactly one handler, no handler is
//! for an undeclared event, schemas that declare the same name twice are refused naming both
//! origins, and the configuration names only what the schemas declare. Also the per-event
//! `errors:` rule, which the dispatcher enforces when a handler answers.

use eventwire::{
    BuildProblem, Capabilities, Config, ConfigError, Context, Dispatcher, DispatcherBuilder,
    ErrorCategory, ErrorCode, FlowyError, HandlerFuture, RawHandler, Schema,
    schema::{ErrorCodeDef, ErrorsDef, EventDef, ModuleDef, NotificationDef, SchemaDef},
};
use eventwire_sample_app::reference::{self, events, pb};
use prost::Message;

struct Nothing;

impl RawHandler for Nothing {
    fn start(&self, _: Context, _: &[u8]) -> Result<HandlerFuture, FlowyError> {
        Ok(Box::pin(async { Ok(Vec::new()) }))
    }
}

/// Fails with `FlowyError { code }`.
struct Fails(i32);

impl RawHandler for Fails {
    fn start(&self, _: Context, _: &[u8]) -> Result<HandlerFuture, FlowyError> {
        let code = self.0;
        Ok(Box::pin(async move {
            Err(FlowyError {
                code,
                msg: "domain failure".into(),
                payload: vec![],
                category: 0,
            })
        }))
    }
}

fn problems(builder: DispatcherBuilder) -> Vec<BuildProblem> {
    builder
        .build()
        .expect_err("the builder is incomplete")
        .problems
}

/// A second crate's schema, written out as `eventwire-build` would generate it.
const fn other_crate(
    modules: &'static [ModuleDef],
    error_codes: &'static [ErrorCodeDef],
) -> Schema {
    Schema::new(SchemaDef {
        name: "other-crate",
        descriptor_set: eventwire_schema::FILE_DESCRIPTOR_SET,
        modules,
        error_codes,
    })
}

const fn event(
    name: &'static str,
    module: &'static str,
    id: u32,
    errors: ErrorsDef,
    line: u32,
) -> EventDef {
    EventDef {
        name,
        module,
        id,
        input: None,
        output: None,
        errors,
        timeout_ms: None,
        line,
    }
}

#[tokio::test]
async fn every_missing_handler_is_named_with_where_it_is_declared() {
    let builder = Dispatcher::builder().mount(eventwire_sample_app::handlers::user::Module(
        eventwire_sample_app::Users::default(),
    ));
    let problems = problems(builder);
    let missing: Vec<&str> = problems
        .iter()
        .map(|p| match p {
            BuildProblem::MissingHandler { event, .. } => event.as_str(),
            other => panic!("unexpected {other}"),
        })
        .collect();
    // Mounting `user` added the sample app's schema: `document`'s events lack handlers.
    let mut expected: Vec<&str> = eventwire_sample_app::SCHEMA
        .events()
        .filter(|e| e.module == "document")
        .map(|e| e.name)
        .collect();
    expected.sort();
    assert_eq!(missing, expected);
    let text = problems[0].to_string();
    assert!(
        text.starts_with(
            "event `ApplyEdit` (declared in `eventwire-sample-app` (events/document.yaml:"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("has no handler: every event of the dispatcher's schemas needs exactly one"),
        "{text}"
    );
}

#[tokio::test]
async fn a_second_handler_for_an_event_is_refused() {
    let builder = reference::mount(Dispatcher::builder())
        .handle(events::Ping, |_, ()| async { Ok(pb::PongPb::default()) });
    assert_eq!(
        problems(builder),
        [BuildProblem::DuplicateHandler {
            event: "Ping".into(),
            count: 2
        }]
    );
}

#[tokio::test]
async fn a_handler_for_an_undeclared_event_is_refused() {
    let problems =
        problems(reference::mount(Dispatcher::builder()).handle_raw("NotInTheTables", Nothing));
    assert_eq!(
        problems,
        [BuildProblem::UndeclaredEvent {
            event: "NotInTheTables".into()
        }]
    );
    assert!(
        problems[0]
            .to_string()
            .contains("`NotInTheTables`, which none of the dispatcher's schemas declares")
    );
}

#[tokio::test]
async fn a_dispatcher_without_a_schema_is_refused() {
    assert_eq!(problems(Dispatcher::builder()), [BuildProblem::NoSchema]);
}

#[tokio::test]
async fn an_event_declared_by_two_schemas_is_refused_naming_both() {
    // The upstream `DeleteWorkspace` hazard, across crates: two crates of one app declare `SignIn`.
    static OTHER: Schema = other_crate(
        &[ModuleDef {
            name: "accounts",
            package: "accounts.v1",
            file: "events/accounts.yaml",
            events: &[event("SignIn", "accounts", 7000, ErrorsDef::Codes(&[]), 4)],
            notifications: &[],
        }],
        &[],
    );
    let problems = problems(reference::mount(Dispatcher::builder()).schema(&OTHER));
    let [
        BuildProblem::DuplicateEvent {
            event,
            first,
            second,
        },
    ] = problems.as_slice()
    else {
        panic!("{problems:?}");
    };
    assert_eq!(event, "SignIn");
    assert_eq!(first, "`eventwire-sample-app` (events/user.yaml:6)");
    assert_eq!(second, "`other-crate` (events/accounts.yaml:4)");
    assert_eq!(
        problems[0].to_string(),
        "event `SignIn` is declared twice: in `eventwire-sample-app` (events/user.yaml:6) and in `other-crate` \
         (events/accounts.yaml:4) (event names route requests and must be unique across every schema of a dispatcher)"
    );
}

#[tokio::test]
async fn an_id_a_module_and_a_notification_declared_twice_are_refused() {
    static OTHER: Schema = other_crate(
        &[ModuleDef {
            name: "user",
            package: "other.v1",
            file: "events/user.yaml",
            events: &[event("Register", "user", 100, ErrorsDef::Codes(&[]), 3)],
            notifications: &[NotificationDef {
                name: "Registered",
                module: "user",
                source: "user",
                ty: 1,
                payload: "eventwire.v1.PongPB",
                line: 9,
            }],
        }],
        &[],
    );
    let problems = problems(
        reference::mount(Dispatcher::builder())
            .schema(&OTHER)
            .handle_raw("Register", Nothing),
    );
    let kinds: Vec<&str> = problems
        .iter()
        .map(|p| match p {
            BuildProblem::DuplicateModule { .. } => "module",
            BuildProblem::DuplicateEventId { .. } => "id",
            BuildProblem::DuplicateNotification { .. } => "notification",
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(kinds, ["module", "id", "notification"], "{problems:?}");
    assert!(
        problems[1]
            .to_string()
            .contains("event id 100 is used twice: by `SignIn` in `eventwire-sample-app`")
    );
    assert!(
        problems[2]
            .to_string()
            .contains("(source `user`, ty 1) is declared twice: `UserSignedIn`")
    );
}

#[tokio::test]
async fn an_error_code_number_with_two_meanings_is_refused() {
    static A: Schema = Schema::new(SchemaDef {
        name: "crate-a",
        descriptor_set: eventwire_schema::FILE_DESCRIPTOR_SET,
        modules: &[],
        error_codes: &[ErrorCodeDef {
            number: 1000,
            name: "A_ERROR_NOT_FOUND",
            category: ErrorCategory::NotFound,
        }],
    });
    static SAME: Schema = Schema::new(SchemaDef {
        name: "crate-b",
        descriptor_set: eventwire_schema::FILE_DESCRIPTOR_SET,
        modules: &[],
        error_codes: &[ErrorCodeDef {
            number: 1000,
            name: "A_ERROR_NOT_FOUND",
            category: ErrorCategory::NotFound,
        }],
    });
    static CLASH: Schema = Schema::new(SchemaDef {
        name: "crate-c",
        descriptor_set: eventwire_schema::FILE_DESCRIPTOR_SET,
        modules: &[],
        error_codes: &[ErrorCodeDef {
            number: 1000,
            name: "C_ERROR_BUSY",
            category: ErrorCategory::Unavailable,
        }],
    });
    // The same enum compiled into two crates of one app is one code.
    assert!(
        reference::mount(Dispatcher::builder())
            .schema(&A)
            .schema(&SAME)
            .build()
            .is_ok()
    );
    let problems = problems(
        reference::mount(Dispatcher::builder())
            .schema(&A)
            .schema(&CLASH),
    );
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "error code 1000 is declared twice with different meanings: `A_ERROR_NOT_FOUND` of `crate-a` and `C_ERROR_BUSY` of `crate-c`"
        ]
    );
}

#[tokio::test]
async fn a_handler_answers_only_codes_its_event_declares() {
    static APP: Schema = other_crate(
        &[ModuleDef {
            name: "shop",
            package: "shop.v1",
            file: "events/shop.yaml",
            events: &[
                event("Buy", "shop", 1, ErrorsDef::Codes(&[1000]), 3),
                event("Browse", "shop", 2, ErrorsDef::Codes(&[]), 9),
                event("Anything", "shop", 3, ErrorsDef::Any, 12),
            ],
            notifications: &[],
        }],
        &[ErrorCodeDef {
            number: 1000,
            name: "SHOP_ERROR_SOLD_OUT",
            category: ErrorCategory::FailedPrecondition,
        }],
    );
    let answer = |builder: DispatcherBuilder, event: &'static str| async move {
        let d = builder.build().unwrap();
        let request = pb::FfiRequest {
            event: event.into(),
            payload: vec![],
        }
        .encode_to_vec();
        let response = pb::FfiResponse::decode(d.dispatch(&request).await.as_slice()).unwrap();
        assert_eq!(response.code, pb::FfiStatusCode::Err as i32);
        FlowyError::decode(response.payload.as_slice()).unwrap()
    };
    let shop = |buy: i32, browse: i32, anything: i32| {
        Dispatcher::builder()
            .schema(&APP)
            .handle_raw("Buy", Fails(buy))
            .handle_raw("Browse", Fails(browse))
            .handle_raw("Anything", Fails(anything))
    };
    // Declared: answered as is, with the category its schema gives.
    let sold_out = answer(shop(1000, 0, 0), "Buy").await;
    assert_eq!(
        (sold_out.code, sold_out.category),
        (1000, ErrorCategory::FailedPrecondition as i32)
    );
    assert_eq!(sold_out.msg, "domain failure");
    // The protocol's own codes are always allowed.
    let params = answer(shop(0, ErrorCode::InvalidParams as i32, 0), "Browse").await;
    assert_eq!(
        (params.code, params.category),
        (
            ErrorCode::InvalidParams as i32,
            ErrorCategory::InvalidArgument as i32
        )
    );
    // Not in `errors:`: INTERNAL, naming the event and the code.
    let undeclared = answer(shop(0, 1000, 0), "Browse").await;
    assert_eq!(undeclared.code, ErrorCode::Internal as i32);
    assert_eq!(
        undeclared.msg,
        "backend: the handler for `Browse` answered error code 1000 (SHOP_ERROR_SOLD_OUT), which its table does not list in `errors:`"
    );
    // `errors: any` allows every declared code, but a code no schema declares has no category.
    assert_eq!(answer(shop(0, 0, 1000), "Anything").await.code, 1000);
    let unknown = answer(shop(0, 0, 4242), "Anything").await;
    assert_eq!(unknown.code, ErrorCode::Internal as i32);
    assert!(
        unknown
            .msg
            .contains("error code 4242, which no schema declares"),
        "{}",
        unknown.msg
    );
}

#[tokio::test]
async fn raw_handlers_count_as_the_one_handler() {
    let mut builder = eventwire_sample_app::mount(Dispatcher::builder())
        .schema(&eventwire_conformance_module::SCHEMA);
    for event in eventwire_conformance_module::SCHEMA.events() {
        builder = builder.handle_raw(event.name, Nothing);
    }
    let d = builder.build().expect("complete");
    // The raw Ping handler answers with an empty payload: the handler that was registered runs.
    let request = pb::FfiRequest {
        event: "Ping".into(),
        payload: vec![],
    }
    .encode_to_vec();
    let response = pb::FfiResponse::decode(d.dispatch(&request).await.as_slice()).unwrap();
    assert_eq!((response.code, response.payload), (0, vec![]));
}

#[tokio::test]
async fn timeouts_for_undeclared_events_are_refused() {
    let config = Config::from_json(br#"{"event_timeouts_ms": {"Sleep": 10, "Slep": 10}}"#).unwrap();
    assert_eq!(
        problems(reference::mount(Dispatcher::builder()).config(config)),
        [BuildProblem::UnknownTimeoutEvent {
            event: "Slep".into()
        }]
    );
}

#[tokio::test]
async fn capability_patterns_naming_undeclared_things_are_accepted_and_match_nothing() {
    use eventwire::pb::{FfiRequest, FfiResponse, FfiStatusCode};

    let config = Config::from_json(
        br#"{"capabilities": ["nosuchmodule.*", "user.Echo", "conformance.Ping"]}"#,
    )
    .unwrap();
    let dispatcher = reference::mount(Dispatcher::builder())
        .config(config)
        .build()
        .expect("well-formed patterns are accepted (REQ-CAP-2)");
    assert_eq!(
        dispatcher
            .config()
            .capabilities
            .unknown_patterns(&dispatcher),
        ["nosuchmodule.*", "user.Echo"]
    );
    // The transports' warnings: the configuration's patterns, then those of the sets they add.
    let connection = Capabilities::from_patterns(["conformance.*", "conformance.SignIn"]).unwrap();
    assert_eq!(
        dispatcher.capability_warnings([&connection]),
        [
            "capability pattern `nosuchmodule.*` names no module or event of this backend; it matches nothing",
            "capability pattern `user.Echo` names no module or event of this backend; it matches nothing",
            "capability pattern `conformance.SignIn` names no module or event of this backend; it matches nothing",
        ]
    );
    assert!(
        reference::mount(Dispatcher::builder())
            .build()
            .unwrap()
            .capability_warnings([])
            .is_empty()
    );
    let call = |event: &str| {
        FfiRequest {
            event: event.into(),
            payload: vec![],
        }
        .encode_to_vec()
    };
    let ping = FfiResponse::decode(dispatcher.dispatch(&call("Ping")).await.as_slice()).unwrap();
    assert_eq!(ping.code, FfiStatusCode::Ok as i32);
    // `user.Echo` names no event, so it grants nothing: user events stay denied.
    let profile = FfiResponse::decode(
        dispatcher
            .dispatch(&call("GetUserProfile"))
            .await
            .as_slice(),
    )
    .unwrap();
    assert_eq!(profile.code, FfiStatusCode::Err as i32);
    assert_eq!(
        FlowyError::decode(profile.payload.as_slice()).unwrap().code,
        ErrorCode::PermissionDenied as i32
    );
}

#[test]
fn whitespace_only_configuration_is_not_json() {
    assert!(Config::from_json(b" \n").is_err());
}

#[tokio::test]
async fn invalid_limits_are_refused() {
    let mut config = Config::default();
    config.max_nesting_depth = 101;
    assert_eq!(
        problems(reference::mount(Dispatcher::builder()).config(config)),
        [BuildProblem::Config(ConfigError::Limit {
            field: "max_nesting_depth",
            rule: "must be between 1 and 100"
        })]
    );
}

#[test]
fn building_outside_a_runtime_without_one_is_refused() {
    assert_eq!(
        problems(reference::mount(Dispatcher::builder())),
        [BuildProblem::NoRuntime]
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    assert!(
        reference::mount(Dispatcher::builder())
            .runtime(runtime.handle().clone())
            .build()
            .is_ok()
    );
}

#[test]
fn configuration_json() {
    assert_eq!(Config::from_json(b"").unwrap(), Config::default());
    assert_eq!(Config::from_json(b"{}").unwrap(), Config::default());
    let c = Config::from_json(
        br#"{"max_payload_bytes":100,"default_timeout_ms":7,"max_in_flight":3,"max_nesting_depth":9,
             "notification_queue":5,"capabilities":["user.*","document.GetDocument"]}"#,
    )
    .unwrap();
    assert_eq!(
        (
            c.max_payload_bytes,
            c.default_timeout_ms,
            c.max_in_flight,
            c.max_nesting_depth,
            c.notification_queue
        ),
        (100, 7, 3, 9, 5)
    );
    assert!(c.capabilities.allows("user", "SignIn"));
    assert!(c.capabilities.allows("document", "GetDocument"));
    assert!(!c.capabilities.allows("document", "ApplyEdit"));
    assert_eq!(
        c.capabilities.patterns(),
        ["user.*", "document.GetDocument"]
    );
    assert_eq!(c.max_frame_bytes(), 100 + 65536);
    for bad in [
        &br#"{"max_in_flight": -1}"#[..],
        br#"{"unknown": 1}"#,
        br#"{"capabilities": ["user"]}"#,
        b"[",
        br#"{"max_in_flight": 0}"#,
    ] {
        assert!(
            Config::from_json(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(
        matches!(Config::from_json(br#"{"capabilities": ["a.b.c"]}"#), Err(ConfigError::Json(m)) if m.contains("a.b.c"))
    );
}

//! Start-up checks: every event of the tables has exactly one handler, no handler is for an
//! undeclared event, and the configuration names only what the tables declare.

use eventwire_sample_app::reference::events;
use eventwire::{BuildProblem, Config, ConfigError, Context, Dispatcher, FlowyError, HandlerFuture, RawHandler,
    };
use eventwire_sample_app::reference::pb as pb;

struct Nothing;

impl RawHandler for Nothing {
    fn start(&self, _: Context, _: &[u8]) -> Result<HandlerFuture, FlowyError> {
        Ok(Box::pin(async { Ok(Vec::new()) }))
    }
}

fn problems(builder: eventwire::DispatcherBuilder) -> Vec<BuildProblem> {
    builder
        .build()
        .expect_err("the builder is incomplete")
        .problems
}

#[tokio::test]
async fn every_missing_handler_is_named() {
    let mut builder = Dispatcher::builder();
    eventwire_sample_app::handlers::user::register(&mut builder, eventwire_sample_app::Users::default());
    let problems = problems(builder);
    let missing: Vec<_> = problems
        .iter()
        .map(|p| match p {
            BuildProblem::MissingHandler { event } => event.as_str(),
            other => panic!("unexpected {other}"),
        })
        .collect();
    let expected: Vec<_> = eventwire_schema::tables()
        .events()
        .filter(|e| e.module != "user")
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(missing, expected);
    assert!(
        problems[0]
            .to_string()
            .contains("event `Echo` has no handler"),
        "{}",
        problems[0]
    );
}

#[tokio::test]
async fn a_second_handler_for_an_event_is_refused() {
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder());
    builder.handle(events::Ping, |_, ()| async { Ok(pb::PongPb::default()) });
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
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder());
    builder.handle_raw("NotInTheTables", Nothing);
    let problems = problems(builder);
    assert_eq!(
        problems,
        [BuildProblem::UndeclaredEvent {
            event: "NotInTheTables".into()
        }]
    );
    assert!(problems[0].to_string().contains("`NotInTheTables`"));
}

#[tokio::test]
async fn raw_handlers_count_as_the_one_handler() {
    let mut builder = Dispatcher::builder();
    eventwire_sample_app::handlers::user::register(&mut builder, eventwire_sample_app::Users::default());
    eventwire_sample_app::handlers::document::register(
        &mut builder,
        eventwire_sample_app::Documents::default(),
    );
    for event in eventwire_schema::tables()
        .module("conformance")
        .unwrap()
        .events
        .iter()
    {
        builder.handle_raw(event.name.clone(), Nothing);
    }
    let d = builder.build().expect("complete");
    // The raw Ping handler answers with an empty payload: the handler that was registered runs.
    let request = prost::Message::encode_to_vec(&pb::FfiRequest {
        event: "Ping".into(),
        payload: vec![],
    });
    let response: pb::FfiResponse =
        prost::Message::decode(d.dispatch(&request).await.as_slice()).unwrap();
    assert_eq!((response.code, response.payload), (0, vec![]));
}

#[tokio::test]
async fn timeouts_for_undeclared_events_are_refused() {
    let config = Config::from_json(br#"{"event_timeouts_ms": {"Sleep": 10, "Slep": 10}}"#).unwrap();
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder()).config(config);
    assert_eq!(problems(builder), [BuildProblem::UnknownTimeoutEvent { event: "Slep".into() }]);
}

#[tokio::test]
async fn capability_patterns_naming_undeclared_things_are_accepted_and_match_nothing() {
    use eventwire::pb::{ErrorCode, FfiRequest, FfiResponse, FfiStatusCode, FlowyError};
    use prost::Message;

    let config =
        Config::from_json(br#"{"capabilities": ["nosuchmodule.*", "user.Echo", "conformance.Ping"]}"#).unwrap();
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder()).config(config);
    let dispatcher = builder.build().expect("well-formed patterns are accepted (REQ-CAP-2)");
    let call = |event: &str| FfiRequest { event: event.into(), payload: vec![] }.encode_to_vec();
    let ping = FfiResponse::decode(dispatcher.dispatch(&call("Ping")).await.as_slice()).unwrap();
    assert_eq!(ping.code, FfiStatusCode::Ok as i32);
    // `user.Echo` names no event, so it grants nothing: user events stay denied.
    let profile = FfiResponse::decode(dispatcher.dispatch(&call("GetUserProfile")).await.as_slice()).unwrap();
    assert_eq!(profile.code, FfiStatusCode::Err as i32);
    assert_eq!(FlowyError::decode(profile.payload.as_slice()).unwrap().code, ErrorCode::PermissionDenied as i32);
}

#[test]
fn whitespace_only_configuration_is_not_json() {
    assert!(Config::from_json(b" \n").is_err());
}

#[tokio::test]
async fn invalid_limits_are_refused() {
    let mut config = Config::default();
    config.max_nesting_depth = 101;
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder()).config(config);
    assert_eq!(
        problems(builder),
        [BuildProblem::Config(ConfigError::Limit {
            field: "max_nesting_depth",
            rule: "must be between 1 and 100"
        })]
    );
}

#[test]
fn building_outside_a_runtime_without_one_is_refused() {
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder());
    assert_eq!(problems(builder), [BuildProblem::NoRuntime]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder()).runtime(runtime.handle().clone());
    assert!(builder.build().is_ok());
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

//! Capabilities (SPEC.md section 12) from the point of view of an untrusted front end: a denied
//! call is answered `PERMISSION_DENIED` and never reaches a handler, whatever else is wrong with
//! it; a configured set denies by default; a malformed pattern is refused at start-up.
//!
//! Every handler here is a counting plugin registered with `handle_raw`, so "never reaches a
//! handler" is observed, not inferred from the answer.

mod common;

use std::sync::Arc;

use common::{Answer, answer, assert_err, raw_request, request};
use eventwire::{
    Capabilities, Config, ConfigError, Context, Dispatcher, ErrorCategory as Cat,
    ErrorCode as Code, FlowyError, HandlerFuture, Outbound, RawHandler, RequestOptions,
    SessionConfig,
};
use eventwire_sample_app::reference::{self, pb};
use eventwire_schema::tables;

/// Counts how often each event's handler was started; answers OK with an empty output.
#[derive(Clone, Default)]
struct Counter(Arc<std::sync::Mutex<std::collections::BTreeMap<String, usize>>>);

impl Counter {
    fn of(&self, event: &str) -> usize {
        self.0.lock().unwrap().get(event).copied().unwrap_or(0)
    }
    fn total(&self) -> usize {
        self.0.lock().unwrap().values().sum()
    }
}

struct Counting {
    event: String,
    counter: Counter,
}

impl RawHandler for Counting {
    fn start(&self, _cx: Context, _payload: &[u8]) -> Result<HandlerFuture, FlowyError> {
        *self
            .counter
            .0
            .lock()
            .unwrap()
            .entry(self.event.clone())
            .or_default() += 1;
        Ok(Box::pin(async { Ok(Vec::new()) }))
    }
}

/// A dispatcher whose every event is a counting handler.
fn counting_dispatcher(config: Config) -> (Dispatcher, Counter) {
    let counter = Counter::default();
    let mut builder = reference::builder().config(config);
    for event in reference::schemas().into_iter().flat_map(|s| s.events()) {
        builder = builder.handle_raw(
            event.name,
            Counting {
                event: event.name.to_owned(),
                counter: counter.clone(),
            },
        );
    }
    (builder.build().expect("one handler per event"), counter)
}

fn caps(patterns: &[&str]) -> Capabilities {
    Capabilities::from_patterns(patterns).expect("well-formed patterns")
}

/// SPEC.md REQ-CAP-1, written independently of the implementation: does `pattern` allow the
/// event `name` declared in `module`?
fn spec_allows(pattern: &str, module: &str, name: &str) -> bool {
    pattern == "*" || pattern == format!("{module}.*") || pattern == format!("{module}.{name}")
}

fn is_denied(answer: Answer) -> bool {
    match answer {
        Answer::Err(e) if e.code == Code::PermissionDenied as i32 => {
            assert_eq!(e.category, Cat::PermissionDenied as i32);
            true
        }
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_configured_set_denies_every_event_and_runs_no_handler() {
    let config = Config::from_json(br#"{"capabilities": []}"#).unwrap();
    assert_eq!(config.capabilities, Capabilities::none());
    let (d, counter) = counting_dispatcher(config);
    for event in tables().events() {
        let response = d.dispatch(&raw_request(&event.name, &[])).await;
        assert!(
            is_denied(answer(&response)),
            "{} was not denied",
            event.name
        );
    }
    assert_eq!(counter.total(), 0, "a denied request reached a handler");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_allowed_exactly_when_a_pattern_matches_it() {
    let sets: &[&[&str]] = &[
        &["*"],
        &["user.*"],
        &["document.GetDocument"],
        &["user.*", "document.GetDocument"],
        &["conformance.Ping", "conformance.Echo", "document.*"],
        &["user.SignIn", "user.SignIn"],
    ];
    for set in sets {
        let (d, counter) = counting_dispatcher(Config::default());
        let options = || RequestOptions::new().capabilities(caps(set));
        let mut allowed = 0;
        for event in tables().events() {
            let expect = set
                .iter()
                .any(|p| spec_allows(p, &event.module, &event.name));
            let before = counter.of(&event.name);
            let response = d
                .dispatch_with(&raw_request(&event.name, &[]), options())
                .await;
            let denied = is_denied(answer(&response));
            assert_eq!(
                denied, !expect,
                "{set:?} and {}.{}",
                event.module, event.name
            );
            let ran = counter.of(&event.name) - before;
            assert_eq!(
                ran,
                usize::from(expect),
                "{set:?}: handler of {} ran {ran} times",
                event.name
            );
            allowed += usize::from(expect);
        }
        assert_eq!(counter.total(), allowed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denial_comes_before_every_later_check() {
    // Denied AND too large, too deep, undecodable, or with the in-flight limit reached: the
    // answer is PERMISSION_DENIED (step 5), and nothing runs.
    let config =
        Config::from_json(br#"{"capabilities": ["user.*"], "max_payload_bytes": 16, "max_in_flight": 1, "max_nesting_depth": 2}"#)
            .unwrap();
    let (d, counter) = counting_dispatcher(config);
    let too_large = raw_request(
        "Discard",
        &[
            0x12, 0x14, b'x', b'x', b'x', b'x', b'x', b'x', b'x', b'x', b'x', b'x', b'x', b'x',
            b'x', b'x', b'x', b'x', b'x', b'x', b'x', b'x',
        ],
    );
    let deep = request("Nest", common::recursive(3));
    let undecodable = raw_request("Echo", &[0xff, 0xff, 0xff]);
    for bytes in [too_large, deep, undecodable] {
        assert!(is_denied(answer(&d.dispatch(&bytes).await)));
    }
    assert_eq!(counter.total(), 0);

    // With the only in-flight slot taken by an allowed request, a denied one is still DENIED,
    // not OVERLOADED: it never takes a slot.
    let gate = Arc::new(tokio::sync::Notify::new());
    let (d, _) = {
        let counter = Counter::default();
        let mut builder = reference::builder().config(
            Config::from_json(br#"{"capabilities": ["user.*"], "max_in_flight": 1}"#).unwrap(),
        );
        for event in reference::schemas().into_iter().flat_map(|s| s.events()) {
            let gate = Arc::clone(&gate);
            builder = builder.handle_raw(
                event.name,
                Held {
                    gate,
                    hold: event.name == "SignIn",
                },
            );
        }
        (builder.build().unwrap(), counter)
    };
    let held = {
        let d = d.clone();
        tokio::spawn(async move { d.dispatch(&raw_request("SignIn", &[])).await })
    };
    while d.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    assert!(is_denied(answer(
        &d.dispatch(&raw_request("Ping", &[])).await
    )));
    assert_err(
        answer(&d.dispatch(&raw_request("GetUserProfile", &[])).await),
        Code::Overloaded,
        Cat::ResourceExhausted,
    );
    gate.notify_one();
    assert!(matches!(answer(&held.await.unwrap()), Answer::Ok(_)));
    assert_eq!(d.in_flight(), 0);
}

/// Waits for `gate` when `hold`, else answers at once.
struct Held {
    gate: Arc<tokio::sync::Notify>,
    hold: bool,
}

impl RawHandler for Held {
    fn start(&self, _cx: Context, _payload: &[u8]) -> Result<HandlerFuture, FlowyError> {
        let gate = Arc::clone(&self.gate);
        let hold = self.hold;
        Ok(Box::pin(async move {
            if hold {
                gate.notified().await;
            }
            Ok(Vec::new())
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_precedes_the_capability_check() {
    // An unknown name is UNKNOWN_EVENT even for a caller allowed nothing (step 4 before step 5).
    let (d, counter) = counting_dispatcher(Config::from_json(br#"{"capabilities": []}"#).unwrap());
    for name in ["NoSuchEvent", "signIn", "user.SignIn", "SignIn ", "*"] {
        let code = Code::UnknownEvent;
        assert_err(
            answer(&d.dispatch(&raw_request(name, &[])).await),
            code,
            code.category(),
        );
    }
    assert_eq!(counter.total(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_request_emits_no_notification() {
    // The real conformance module, with a session subscribed to notifications.
    let builder = eventwire_sample_app::reference::mount(Dispatcher::builder())
        .config(Config::from_json(br#"{"capabilities": ["user.*"]}"#).unwrap());
    let d = builder.build().unwrap();
    let (session, mut rx) = d.open_session(SessionConfig::new());
    for id in 1..=20 {
        let emit = pb::EmitNotificationsPayloadPb {
            count: 50,
            id: "x".into(),
            as_error: false,
        };
        session.submit(
            id,
            request("EmitNotifications", emit),
            RequestOptions::new(),
        );
    }
    session.close();
    let mut responses = 0;
    while let Some(message) = rx.recv().await {
        match message {
            Outbound::Response { response, .. } => {
                assert!(is_denied(answer(&response)));
                responses += 1;
            }
            Outbound::Notification { .. } => panic!("a denied request produced a notification"),
        }
    }
    assert_eq!(responses, 20);
    assert_eq!(session.dropped_notifications(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_narrowest_applicable_set_decides() {
    // Dispatcher: everything. Session: user.*. Request: user.SignIn only.
    let (d, counter) = counting_dispatcher(Config::default());
    let (session, mut rx) = d.open_session(SessionConfig::new().capabilities(caps(&["user.*"])));
    session.submit(1, raw_request("SignIn", &[]), RequestOptions::new());
    session.submit(2, raw_request("GetDocument", &[]), RequestOptions::new());
    session.submit(
        3,
        raw_request("SignOut", &[]),
        RequestOptions::new().capabilities(caps(&["user.SignIn"])),
    );
    session.submit(
        4,
        raw_request("GetDocument", &[]),
        RequestOptions::new().capabilities(caps(&["document.*"])),
    );
    session.close();
    let mut outcomes = std::collections::BTreeMap::new();
    while let Some(message) = rx.recv().await {
        if let Outbound::Response {
            request_id,
            response,
        } = message
        {
            outcomes.insert(request_id, is_denied(answer(&response)));
        }
    }
    assert_eq!(
        outcomes,
        [(1, false), (2, true), (3, true), (4, false)].into()
    );
    assert_eq!(counter.of("SignIn"), 1);
    assert_eq!(counter.of("SignOut"), 0);
    assert_eq!(counter.of("GetDocument"), 1);
}

#[test]
fn the_capability_file_is_the_configuration_json() {
    // Absent: every event. Present: exactly the patterns.
    assert_eq!(
        Config::from_json(b"{}").unwrap().capabilities,
        Capabilities::all()
    );
    assert_eq!(
        Config::from_json(b"").unwrap().capabilities,
        Capabilities::all()
    );
    let c = Config::from_json(
        br#"{"capabilities": ["user.*", "document.GetDocument", "conformance.Ping"]}"#,
    )
    .unwrap();
    assert_eq!(
        c.capabilities.patterns(),
        ["user.*", "document.GetDocument", "conformance.Ping"]
    );
    for bad in [
        &br#"{"capabilities": "user.*"}"#[..],
        br#"{"capabilities": [1]}"#,
        br#"{"capabilities": null}"#,
        br#"{"capabilities": [["user.*"]]}"#,
        br#"{"Capabilities": ["user.*"]}"#,
    ] {
        assert!(
            Config::from_json(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn malformed_patterns_are_refused() {
    // SPEC.md section 12: module `^[a-z][a-z0-9_]{0,31}$`, event `^[A-Z][A-Za-z0-9]{0,63}$`.
    let long_module = format!("{}.*", "m".repeat(33));
    let long_event = format!("user.E{}", "v".repeat(64));
    let refused = [
        "",
        " ",
        "user",
        "user.",
        ".*",
        ".SignIn",
        "*.*",
        "**",
        "user.**",
        "user.*.*",
        " user.*",
        "user.* ",
        "User.*",
        "USER.*",
        "1user.*",
        "_user.*",
        "us-er.*",
        "us er.*",
        "user.signIn",
        "user.Sign_In",
        "user.Sign-In",
        "user.Sign In",
        "user.9Lives",
        "user.SignIn.x",
        "a.b.c",
        "ü.*",
        "user.Ñame",
        "user.SignIn\0",
        "*user",
        long_module.as_str(),
        long_event.as_str(),
    ];
    for pattern in refused {
        assert!(
            Capabilities::from_patterns([pattern]).is_err(),
            "accepted {pattern:?}"
        );
        let json = serde_json::json!({ "capabilities": [pattern] }).to_string();
        assert!(
            matches!(
                Config::from_json(json.as_bytes()),
                Err(ConfigError::Json(_))
            ),
            "configuration accepted {pattern:?}"
        );
    }
    // The longest names the grammar allows, and the other accepted shapes.
    let max_module = format!("{}.*", "m".repeat(32));
    let max_event = format!("user.E{}", "v".repeat(63));
    for pattern in [
        "*",
        "user.*",
        "a.*",
        "m_1.*",
        "user.SignIn",
        "user.X",
        "user.Get2Things",
        &max_module,
        &max_event,
    ] {
        assert!(
            Capabilities::from_patterns([pattern]).is_ok(),
            "refused {pattern:?}"
        );
    }
}

#[test]
fn zero_and_unknown_limits_are_refused() {
    // REQ-LIMIT-4: a limit must be a positive integer; unknown keys are refused.
    for bad in [
        &br#"{"max_payload_bytes": 0}"#[..],
        br#"{"notification_queue": 0}"#,
        br#"{"notification_queue_bytes": 0}"#,
        br#"{"max_queued_answer_bytes": 0}"#,
        br#"{"max_timeout_ms": 0}"#,
        br#"{"default_timeout_ms": -1}"#,
        br#"{"max_in_flight": 0}"#,
        br#"{"max_nesting_depth": 0}"#,
        br#"{"max_nesting_depth": 101}"#,
        br#"{"default_timeout_ms": 0}"#,
        br#"{"max_in_flight": -1}"#,
        br#"{"max_in_flight": 1.5}"#,
        br#"{"max_in_flight": "1"}"#,
        br#"{"max_inflight": 1}"#,
        br#"[]"#,
        br#"[16777216, 64, 1024]"#,
        br#" [{"max_in_flight": 1}]"#,
        br#""max_in_flight""#,
        br#"null"#,
        b"\xff",
    ] {
        assert!(
            Config::from_json(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(Config::from_json(br#"{"max_payload_bytes": 1, "notification_queue": 1}"#).is_ok());
    // Whitespace around the object is JSON's; only zero bytes are the defaults.
    assert_eq!(
        Config::from_json(b" {\"max_in_flight\": 3}\n").map(|c| c.max_in_flight),
        Ok(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_requests_under_concurrency_never_reach_a_handler() {
    let (d, counter) = counting_dispatcher(
        Config::from_json(br#"{"capabilities": ["conformance.Ping"]}"#).unwrap(),
    );
    let mut tasks = Vec::new();
    for i in 0..2000u32 {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            let event = if i % 4 == 0 {
                "Ping"
            } else {
                ["SignIn", "ApplyEdit", "Panic"][(i % 3) as usize]
            };
            (event, answer(&d.dispatch(&raw_request(event, &[])).await))
        }));
    }
    let mut allowed = 0;
    for task in tasks {
        let (event, answer) = task.await.unwrap();
        if event == "Ping" {
            assert!(matches!(answer, Answer::Ok(_)));
            allowed += 1;
        } else {
            assert!(is_denied(answer), "{event}");
        }
    }
    assert_eq!(counter.of("Ping"), allowed);
    assert_eq!(counter.total(), allowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_formed_patterns_naming_nothing_match_nothing() {
    // REQ-CAP-2: accepted, and they widen nothing.
    let config = Config::from_json(br#"{"capabilities": ["nosuchmodule.*", "user.NoSuchEvent", "document.SignIn", "conformance.Ping"]}"#)
        .expect("well-formed patterns are accepted");
    let (d, counter) = counting_dispatcher(config);
    for event in tables().events() {
        let denied = is_denied(answer(&d.dispatch(&raw_request(&event.name, &[])).await));
        assert_eq!(denied, event.name != "Ping", "{}", event.name);
    }
    assert_eq!(counter.total(), 1);
}

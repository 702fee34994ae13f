//! The self-test module (its schema is `events/selftest.yaml`), the bare Tauri commands the page
//! compares Eventwire with, and the commands through which the page reports to this process.

mod api {
    eventwire::include_generated!();
}

use std::{
    borrow::Cow,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicI32, Ordering},
    },
};

use eventwire::{Context, FlowyError};
use serde::Serialize;
use tauri::{
    AppHandle, Assets, Runtime, State,
    ipc::{InvokeBody, Request, Response},
    utils::assets::{AssetKey, AssetsIter, CspHash},
};
use tauri_plugin_eventwire::Eventwire;

use crate::probe::Probe;
use api::selftest::v1::{BlobPb, SlowPayloadPb};

/// The self-test module, counting into `probe`.
pub fn module(probe: Arc<Probe>) -> impl eventwire::Mount {
    api::handlers::selftest::Module(SelfTest { probe })
}

struct SelfTest {
    probe: Arc<Probe>,
}

/// Counts `cancelled:<tag>` when a Slow handler is dropped before completing (it never
/// completes by itself): the handler observing its cancellation, deadline or orphaning.
struct Dropped {
    probe: Arc<Probe>,
    tag: String,
}

impl Drop for Dropped {
    fn drop(&mut self) {
        self.probe.add(&format!("cancelled:{}", self.tag));
    }
}

impl api::handlers::selftest::SelftestHandlers for SelfTest {
    async fn slow(&self, cx: &Context, input: SlowPayloadPb) -> Result<(), FlowyError> {
        self.probe.add(&format!("start:{}", input.tag));
        let _dropped = Dropped {
            probe: Arc::clone(&self.probe),
            tag: input.tag.clone(),
        };
        cx.notify::<api::notifications::SlowStarted>(input.tag.clone(), &input);
        std::future::pending::<()>().await;
        Ok(())
    }

    async fn blob(&self, _cx: &Context, input: BlobPb) -> Result<BlobPb, FlowyError> {
        Ok(input)
    }

    async fn nop(&self, _cx: &Context) -> Result<(), FlowyError> {
        Ok(())
    }
}

/// The bare commands' shared state.
pub struct Bare {
    probe: Arc<Probe>,
    self_test: bool,
    /// The exit status the report decided on.
    exit: Arc<AtomicI32>,
}

impl Bare {
    pub fn new(probe: Arc<Probe>, self_test: bool, exit: Arc<AtomicI32>) -> Self {
        Bare {
            probe,
            self_test,
            exit,
        }
    }
}

/// The smallest bare command: the baseline of the small-call figures.
#[tauri::command]
pub fn bare_ping() -> u32 {
    1
}

/// The same as an async command: a diagnostic figure beside the baseline. An async command runs
/// on the async runtime and is answered from there, as the plugin's `send` is: the difference
/// between the two bare figures is the cost of those thread hand-offs, not of Eventwire.
#[tauri::command]
pub async fn bare_ping_async() -> Result<u32, ()> {
    Ok(1)
}

/// Bare Tauri's raw form: raw body in, raw `Response` out.
#[tauri::command]
pub fn bare_echo_raw(request: Request<'_>) -> Response {
    match request.body() {
        InvokeBody::Raw(bytes) => Response::new(bytes.clone()),
        InvokeBody::Json(_) => Response::new(Vec::new()),
    }
}

/// Bare Tauri's JSON form: the bytes as a JSON array of numbers, both ways.
#[tauri::command]
pub fn bare_echo_json(data: Vec<u8>) -> Vec<u8> {
    data
}

/// An async command that runs until the page releases it: the baseline of the reload check.
/// Each run counts `bare-start`.
#[tauri::command]
pub async fn bare_slow(bare: State<'_, Bare>) -> Result<(), ()> {
    bare.probe.add("bare-start");
    bare.probe.wait("bare-release", 1).await;
    Ok(())
}

/// Adds one to a count (the page's phase marks, `bare-release`).
#[tauri::command]
pub fn selftest_mark(bare: State<'_, Bare>, key: String) -> u64 {
    bare.probe.add(&key)
}

/// Resolves once count `key` is at least `count`: how the page waits for what happens here.
#[tauri::command]
pub async fn selftest_wait(bare: State<'_, Bare>, key: String, count: u64) -> Result<u64, ()> {
    Ok(bare.probe.wait(&key, count).await)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfTestState {
    self_test: bool,
    counts: std::collections::HashMap<String, u64>,
    open_sessions: usize,
    plugin: PluginStats,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginStats {
    sessions_opened: u64,
    sessions_closed: u64,
    requests_accepted: u64,
    requests_repeated: u64,
    requests_stale: u64,
    requests_orphaned: u64,
    late_messages_dropped: u64,
    answers_withheld: u64,
}

fn state_of(bare: &Bare, eventwire: &Eventwire) -> SelfTestState {
    let s = eventwire.stats();
    SelfTestState {
        self_test: bare.self_test,
        counts: bare.probe.all(),
        open_sessions: eventwire.open_sessions(),
        plugin: PluginStats {
            sessions_opened: s.sessions_opened,
            sessions_closed: s.sessions_closed,
            requests_accepted: s.requests_accepted,
            requests_repeated: s.requests_repeated,
            requests_stale: s.requests_stale,
            requests_orphaned: s.requests_orphaned,
            late_messages_dropped: s.late_messages_dropped,
            answers_withheld: s.answers_withheld,
        },
    }
}

/// The counts kept here and the plugin's, for the page's checks.
#[tauri::command]
pub fn selftest_state(bare: State<'_, Bare>, eventwire: State<'_, Eventwire>) -> SelfTestState {
    state_of(&bare, &eventwire)
}

/// The page's final report: `{failed: [names], passed: [names], figures: {...}}`. This process
/// adds its own checks, prints the whole as one JSON line and exits: 0 only if nothing failed.
#[tauri::command]
pub fn selftest_report<R: Runtime>(
    app: AppHandle<R>,
    bare: State<'_, Bare>,
    eventwire: State<'_, Eventwire>,
    report: serde_json::Value,
) {
    let state = state_of(&bare, &eventwire);
    let mut failed: Vec<String> = report
        .get("failed")
        .and_then(|f| f.as_array())
        .map(|f| {
            f.iter()
                .map(|v| v.as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_else(|| vec!["report: no `failed` list".to_owned()]);
    let mut expect = |name: &str, ok: bool| {
        if !ok {
            failed.push(format!("rust: {name}"));
        }
    };
    // The reloaded call's handler ran exactly once and saw its cancellation; bare Tauri ran its
    // command twice for one call.
    expect(
        "reload: Slow(reload) started exactly once",
        bare.probe.get("start:reload") == 1,
    );
    expect(
        "reload: Slow(reload) handler was dropped (cancelled)",
        bare.probe.get("cancelled:reload") == 1,
    );
    expect(
        "cancel: Slow(cancel) started once and was dropped",
        bare.probe.get("start:cancel") == 1 && bare.probe.get("cancelled:cancel") == 1,
    );
    expect(
        "deadline: Slow(deadline) started once and was dropped",
        bare.probe.get("start:deadline") == 1 && bare.probe.get("cancelled:deadline") == 1,
    );
    expect(
        "baseline: bare Tauri ran the reloaded command twice",
        bare.probe.get("bare-start") == 2,
    );
    expect(
        "lifecycle: one session open at the end",
        state.open_sessions == 1,
    );
    let summary = serde_json::json!({ "page": report, "rust": state, "failed": failed });
    println!("SELFTEST {summary}");
    let code = if failed.is_empty() { 0 } else { 1 };
    bare.exit.store(code, Ordering::Release);
    app.exit(code);
}

/// The page's files, read from a directory when asked; what is not there comes from `fallback`
/// (the assets embedded at build time, which say how to build the page).
pub struct DirAssets<R: Runtime> {
    dir: PathBuf,
    fallback: Option<Box<dyn Assets<R>>>,
}

impl<R: Runtime> DirAssets<R> {
    pub fn new(dir: PathBuf, fallback: Option<Box<dyn Assets<R>>>) -> Self {
        DirAssets { dir, fallback }
    }
}

impl<R: Runtime> Assets<R> for DirAssets<R> {
    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        let relative = key.as_ref().trim_start_matches('/');
        if relative.split('/').any(|part| part == "..") {
            return None;
        }
        match std::fs::read(self.dir.join(relative)) {
            Ok(bytes) => Some(Cow::Owned(bytes)),
            Err(_) => self.fallback.as_ref().and_then(|f| f.get(key)),
        }
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

//! The to-do app in a Tauri 2 window, through `tauri-plugin-eventwire`.
//!
//! `todo-tauri` opens the page of `page/` (built by `npm run build` there). With `--self-test`
//! the page runs every check of the end-to-end test, reports back, and the process exits 0 only
//! if every check passed and the counts kept here agree (the reloaded call's handler ran exactly
//! once, and bare Tauri's command twice). Its last line on stdout is the report, as JSON.

mod probe;
mod selftest;

use std::sync::{
    Arc,
    atomic::{AtomicI32, Ordering},
};

use eventwire::{Capabilities, Dispatcher};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

use probe::Probe;

/// What the page may call: the to-do list except deleting, and the self-test module. Deleting is
/// left out so that the page can check a capability denial.
const PAGE_CAPABILITIES: &[&str] = &[
    "todo.CreateTodo",
    "todo.GetTodo",
    "todo.ListTodos",
    "todo.UpdateTodo",
    "selftest.*",
];

/// Runs before any script of every page: keeps what the page logs as warnings and errors, so the
/// self-test can tell whether a late answer reached the new page after a reload.
const CONSOLE_CAPTURE: &str = r#"
(() => {
  const seen = [];
  window.__selftestConsole = seen;
  for (const level of ["warn", "error"]) {
    const original = console[level].bind(console);
    console[level] = (...args) => {
      const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
      seen.push({ level, text });
      if (typeof window.__selftestOnConsole === "function") window.__selftestOnConsole();
      original(...args);
    };
  }
})();
"#;

fn main() {
    let self_test = std::env::args().any(|a| a == "--self-test");
    let probe = Arc::new(Probe::default());
    // Set by the self-test's report: 1 if any check failed.
    let exit = Arc::new(AtomicI32::new(0));
    let app_exit = Arc::clone(&exit);

    let mut context = tauri::generate_context!();
    // The page is built into page/dist (outside the binary): served from there at run time, so
    // the app builds without it and a rebuilt page needs no rebuilt app.
    let dist = std::env::var_os("TODO_TAURI_PAGE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/page/dist").into());
    let embedded = context.set_assets(Box::new(selftest::DirAssets::new(dist.clone(), None)));
    context.set_assets(Box::new(selftest::DirAssets::new(dist, Some(embedded))));

    let app_probe = Arc::clone(&probe);
    let result = tauri::Builder::default()
        .setup(move |app| {
            let runtime = tauri::async_runtime::handle().inner().clone();
            let dispatcher = dispatcher(runtime, &app_probe)?;
            let caps = Capabilities::from_patterns(PAGE_CAPABILITIES.iter().copied())?;
            app.handle().plugin(
                tauri_plugin_eventwire::Builder::new(dispatcher)
                    .capabilities("main", caps)
                    .build(),
            )?;
            app.manage(selftest::Bare::new(
                Arc::clone(&app_probe),
                self_test,
                Arc::clone(&app_exit),
            ));
            let url = if self_test {
                "index.html?self-test"
            } else {
                "index.html"
            };
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App(url.into()))
                .title("Eventwire to-do")
                .initialization_script(CONSOLE_CAPTURE)
                .build()?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            selftest::bare_ping,
            selftest::bare_ping_async,
            selftest::bare_echo_raw,
            selftest::bare_echo_json,
            selftest::bare_slow,
            selftest::selftest_mark,
            selftest::selftest_wait,
            selftest::selftest_state,
            selftest::selftest_report,
        ])
        .build(context);
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("todo-tauri: {e}");
            std::process::exit(2);
        }
    };
    let code = app.run_return(|_, _| {});
    let reported = exit.load(Ordering::Acquire);
    std::process::exit(if code != 0 { code } else { reported });
}

fn dispatcher(
    runtime: tokio::runtime::Handle,
    probe: &Arc<Probe>,
) -> Result<Dispatcher, eventwire::BuildError> {
    todo_app::mount(Dispatcher::builder())
        .mount(selftest::module(Arc::clone(probe)))
        .runtime(runtime)
        .build()
}

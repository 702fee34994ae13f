//! End to end in a real webview: runs `todo-tauri --self-test` under Xvfb (WebKitGTK) and checks
//! what it reports. The page runs every check and reports back; the app adds its own counts and
//! exits 0 only if nothing failed. Here the report is checked again, independently of the app's
//! verdict: the reloaded call's handler ran exactly once, and bare Tauri's command twice.
//!
//! Needs a display server: `make test-tauri` builds the page and runs it with `--ignored`
//! (libwebkit2gtk-4.1-dev, xvfb and xauth installed, as `.ci/run` does).

use std::{
    io::Read,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// A fail-safe against a hang (the run takes about 20 s); no check waits for time.
const LIMIT: Duration = Duration::from_secs(120);

#[test]
#[ignore = "needs Xvfb and WebKitGTK: run by `make test-tauri`"]
fn the_page_passes_every_check_in_a_real_webview() {
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/page/dist/main.js");
    assert!(
        std::path::Path::new(page).exists(),
        "{page}: the page is not built (run `npm ci && npm run build` in examples/todo-tauri/page)"
    );
    let home = std::env::temp_dir().join(format!("todo-tauri-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new("xvfb-run")
        .args(["-a", env!("CARGO_BIN_EXE_todo-tauri"), "--self-test"])
        // WebKit writes caches and data under these, not under $HOME.
        .env("XDG_DATA_HOME", &home)
        .env("XDG_CACHE_HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("xvfb-run: install xvfb and xauth");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        let _ = tx.send(out);
    });
    let out = match rx.recv_timeout(LIMIT) {
        Ok(out) => out,
        Err(_) => {
            let _ = child.kill();
            panic!("todo-tauri --self-test did not finish within {LIMIT:?}");
        }
    };
    let status = child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&home);
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("SELFTEST "))
        .unwrap_or_else(|| panic!("no SELFTEST report on stdout (exit {status}):\n{out}"));
    let report: serde_json::Value = serde_json::from_str(line).unwrap();
    println!(
        "{}",
        serde_json::to_string_pretty(&report["page"]["figures"]).unwrap()
    );

    let failed = report["failed"].as_array().expect("a failed list");
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
    assert!(
        status.success(),
        "every check passed but the app exited with {status}"
    );
    let passed = report["page"]["passed"].as_array().unwrap();
    assert_eq!(passed.len(), 13, "every check of the page ran: {passed:#?}");
    let count = |key: &str| report["rust"]["counts"][key].as_u64().unwrap_or(0);
    assert_eq!(
        count("start:reload"),
        1,
        "the reloaded call's handler ran exactly once"
    );
    assert_eq!(
        count("cancelled:reload"),
        1,
        "and was cancelled when its page went away"
    );
    assert_eq!(
        count("bare-start"),
        2,
        "bare Tauri ran its in-flight command twice (the baseline)"
    );
    let plugin = &report["rust"]["plugin"];
    assert_eq!(
        plugin["requestsOrphaned"], 1,
        "one request was in flight at the reload"
    );
    assert_eq!(plugin["sessionsOpened"], 2, "one session per page");
    // Tauri sent the reloaded call's invoke again, as it did bare_slow's; the plugin refused it.
    let resent =
        plugin["requestsRepeated"].as_u64().unwrap() + plugin["requestsStale"].as_u64().unwrap();
    assert_eq!(
        resent, 1,
        "the re-sent invoke reached the plugin once and was refused"
    );
}

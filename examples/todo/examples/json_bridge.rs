//! The to-do backend behind the JSON bridge (SPEC.md section 13.4), as a Tauri command would
//! serve it, but over standard input and output so that a front-end test can drive it without
//! Tauri: each line in is a bridge request (`{"request": {"ty": ..., "payload": [...]}}`), each
//! answer is a line `{"code": .., "payload": [...]}` in request order, and each notification is
//! a line `{"notification": [...]}` (an encoded `SubscribeObject`).
//!
//!     cargo run -p todo-app --example json_bridge

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use eventwire::{Dispatcher, Outbound, SessionConfig, json_bridge::dispatch_json_str};

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let dispatcher = runtime
        .block_on(async { todo_app::mount(Dispatcher::builder()).build() })
        .expect("the to-do dispatcher builds");
    let out = Arc::new(Mutex::new(std::io::stdout()));

    // Notifications reach every session; this one only forwards them.
    let (_session, mut notifications) = dispatcher.open_session(SessionConfig::default());
    let forward = Arc::clone(&out);
    std::thread::spawn(move || {
        while let Some(item) = notifications.blocking_recv() {
            if let Outbound::Notification {
                subscribe_object, ..
            } = item
            {
                let bytes: Vec<String> = subscribe_object.iter().map(u8::to_string).collect();
                let mut out = forward.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(out, "{{\"notification\":[{}]}}", bytes.join(","));
                let _ = out.flush();
            }
        }
    });

    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let answer = runtime.block_on(dispatch_json_str(&dispatcher, &line));
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}

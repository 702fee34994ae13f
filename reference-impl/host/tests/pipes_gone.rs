//! A host whose front end has gone, both pipes closed, cancels what runs and exits
//! (SPEC.md REQ-TRANS-STREAM-12), even with a request in flight whose deadline is 49 days away.

mod common;

use std::{
    io::Write,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use common::{host, request_with_timeout};
use eventwire_sample_app::reference::pb::SleepPayloadPb;

#[test]
fn with_both_pipes_gone_the_host_cancels_and_exits() {
    let mut child = Command::new(host())
        .arg("--stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn eventwire-host");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(&request_with_timeout(
            1,
            "Sleep",
            &SleepPayloadPb { millis: u32::MAX },
            u32::MAX,
        ))
        .unwrap();
    // The front end goes away: it closes both ends and reads nothing.
    drop(stdin);
    drop(child.stdout.take());
    // Waits for the exit; a host still running after 20 s is killed and the test fails (the exit
    // is awaited as an event; the 20 s only bound a failure).
    let pid = child.id();
    let (done, exited) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait().expect("wait");
        let _ = done.send(());
        status
    });
    if exited.recv_timeout(Duration::from_secs(20)).is_err() {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        waiter.join().unwrap();
        panic!("the host was still running 20 s after its front end closed both pipes");
    }
    let status = waiter.join().unwrap();
    assert_eq!(status.code(), Some(1), "the output failed: exit status 1");
}

//! A front end that sends and never reads its answers must be held back by its own pipe, not
//! buffered in the host's memory (SPEC.md section 10): the host stops reading while too many
//! answers wait to be written. Once the front end reads, every request is answered, once.

mod common;

use std::{
    collections::HashSet,
    io::{Read, Write},
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use common::{decode_all, host, ping, responses};

const REQUESTS: usize = 200_000;

#[test]
fn a_front_end_that_does_not_read_is_held_back_and_then_answered_in_full() {
    let mut child = Command::new(host())
        .args(["--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn eventwire-host");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");

    // Writes one Ping frame at a time, counting the frames fully written.
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let written = Arc::clone(&written);
        std::thread::spawn(move || {
            for id in 1..=REQUESTS as u64 {
                if stdin.write_all(&ping(id)).is_err() {
                    break;
                }
                written.store(id as usize, Ordering::SeqCst);
            }
            drop(stdin);
        })
    };

    // Nobody reads: the writer must stall. Without back-pressure the host would read all 200,000
    // frames (a few MB) at once and hold their answers in memory.
    let until = Instant::now() + Duration::from_secs(30);
    let mut last = usize::MAX;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = written.load(Ordering::SeqCst);
        if now == last || now == REQUESTS || Instant::now() > until {
            break;
        }
        last = now;
    }
    let stalled_at = written.load(Ordering::SeqCst);
    assert!(
        stalled_at < REQUESTS / 2,
        "the front end wrote {stalled_at} of {REQUESTS} requests while nobody read an answer: the host kept reading"
    );

    // Now read: everything written gets exactly one answer, and the writer finishes.
    let mut output = Vec::new();
    stdout.read_to_end(&mut output).expect("read stdout");
    writer.join().expect("writer thread");
    assert!(child.wait().expect("wait").success());
    let answered = responses(&decode_all(&output));
    assert_eq!(answered.len(), REQUESTS);
    let ids: HashSet<u64> = answered.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), REQUESTS, "every id answered exactly once");
}

//! The stdio host, benchmark (c): requests per second over one pipe, pipelined.
//!
//! `host`: spawns `eventwire-host --stdio` once; each iteration has a writer thread send
//! `REQUESTS` Ping requests (length-prefixed `StreamFrame`s) while keeping at most `WINDOW` in
//! flight, and a reader thread take every response, checking its id and status. `cat_baseline`:
//! the same frames through `cat`, i.e. two pipe transfers and the framing with no backend, the
//! floor of any stream transport on this machine.

use std::{
    io::{BufReader, BufWriter, Read, Write},
    process::{Child, ChildStdin, ChildStdout, Command, Stdio},
    sync::mpsc,
};

use divan::{Bencher, counter::ItemsCount};
use eventwire::{
    framing,
    pb::{self, stream_frame::Kind},
};
use eventwire_bench::{bench_mode, built_binary, request};
use prost::Message;

fn main() {
    divan::main();
}

/// Requests in flight at once.
const WINDOW: usize = 256;

fn requests() -> usize {
    if bench_mode() { 100_000 } else { 1_000 }
}

struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Option<ChildStdout>,
}

impl Peer {
    fn spawn(command: &mut Command) -> Peer {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning the peer process");
        Peer {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            child,
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // EOF on stdin: the host answers what is in flight and exits 0.
        drop(self.stdin.take());
        drop(self.stdout.take());
        let _ = self.child.wait();
    }
}

fn frame(id: u64, request: &[u8]) -> Vec<u8> {
    let body = pb::StreamFrame {
        kind: Some(Kind::Request(pb::StreamRequest {
            id,
            request: request.to_vec(),
            timeout_ms: 0,
        })),
    }
    .encode_to_vec();
    framing::encode(&body)
}

fn read_frame(reader: &mut impl Read, body: &mut Vec<u8>) -> pb::StreamFrame {
    let more = framing::read_frame_into(reader, usize::MAX, body).expect("a whole frame");
    assert!(more, "the peer's output ended early");
    pb::StreamFrame::decode(body.as_slice()).expect("a StreamFrame")
}

/// Sends `count` pipelined Ping requests (ids `first..first + count`) and reads every answer.
/// `echoed`: the peer returns the request frames themselves (the `cat` baseline).
fn run(peer: &mut Peer, first: u64, count: usize, echoed: bool) {
    let ping = request("Ping", &());
    let stdin = peer.stdin.as_mut().expect("stdin");
    let stdout = peer.stdout.as_mut().expect("stdout");
    let (credit_tx, credit_rx) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut writer = BufWriter::with_capacity(64 * 1024, stdin);
            for i in 0..count {
                if i >= WINDOW && credit_rx.try_recv().is_err() {
                    writer.flush().expect("writing requests");
                    credit_rx.recv().expect("the reader is alive");
                }
                writer
                    .write_all(&frame(first + i as u64, &ping))
                    .expect("writing requests");
            }
            writer.flush().expect("writing requests");
        });
        s.spawn(move || {
            let mut reader = BufReader::with_capacity(64 * 1024, stdout);
            let mut body = Vec::new();
            let mut seen = vec![false; count];
            for _ in 0..count {
                let (id, bytes) = match read_frame(&mut reader, &mut body).kind {
                    Some(Kind::Response(r)) if !echoed => (r.id, r.response),
                    Some(Kind::Request(r)) if echoed => (r.id, r.request),
                    other => panic!("unexpected frame: {other:?}"),
                };
                let index = (id - first) as usize;
                assert!(
                    !std::mem::replace(&mut seen[index], true),
                    "one answer per id"
                );
                if !echoed {
                    let response =
                        pb::FfiResponse::decode(bytes.as_slice()).expect("an FFIResponse");
                    assert_eq!(response.code, pb::FfiStatusCode::Ok as i32);
                }
                let _ = credit_tx.send(());
            }
        });
    });
}

fn bench_peer(bencher: Bencher, command: &mut Command, echoed: bool) {
    let mut peer = Peer::spawn(command);
    let count = requests();
    let mut first = 1u64;
    bencher.counter(ItemsCount::new(count)).bench_local(|| {
        run(&mut peer, first, count, echoed);
        first += count as u64;
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn host(bencher: Bencher) {
    let binary = built_binary("eventwire-reference", "eventwire-host");
    bench_peer(bencher, Command::new(binary).arg("--stdio"), false);
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn cat_baseline(bencher: Bencher) {
    bench_peer(bencher, &mut Command::new("cat"), true);
}

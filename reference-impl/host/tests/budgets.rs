//! The stream connection's byte budgets and its end when the output is gone (SPEC.md sections 10
//! and 13.3), driven in process through `eventwire_host::serve` on a runtime whose clock is
//! paused: the front end is an input that counts what the host has read and an output that
//! accepts nothing until the test opens it. A paused clock jumps forward only when every task is
//! idle, so "a long sleep returned" means "the host has settled", without waiting on real time.

use std::{
    io,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    task::{Context, Poll, Waker},
    time::Duration,
};

use eventwire::framing;
use eventwire::{Config, Dispatcher, is_drop_marker};
use eventwire_host::{Ending, ServeOptions, serve, serve_watching};
use eventwire_sample_app::reference::pb::{
    AllTypesPb, EmitNotificationsPayloadPb, FfiRequest, SleepPayloadPb, StreamFrame, StreamRequest,
    stream_frame::Kind,
};
use prost::Message;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Input: the given bytes, then end of input; counts the bytes the host has taken.
struct Input {
    bytes: Vec<u8>,
    at: Arc<AtomicUsize>,
    /// Hold the end of input back (the front end keeps its pipe open).
    hold_end: bool,
}

impl AsyncRead for Input {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let at = self.at.load(Ordering::SeqCst);
        let rest = &self.bytes[at..];
        if rest.is_empty() && self.hold_end {
            return Poll::Pending;
        }
        let n = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..n]);
        self.at.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Ok(()))
    }
}

/// Output: accepts nothing while closed (a front end that does not read); once opened, keeps
/// what is written.
#[derive(Clone, Default)]
struct Output {
    open: Arc<AtomicBool>,
    written: Arc<Mutex<Vec<u8>>>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Output {
    fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }
    fn frames(&self) -> Vec<Kind> {
        let out = self.written.lock().unwrap();
        let mut rest = &out[..];
        let mut frames = Vec::new();
        while let Some((body, used)) = framing::split(rest, usize::MAX >> 1).unwrap() {
            frames.push(StreamFrame::decode(body).unwrap().kind.unwrap());
            rest = &rest[used..];
        }
        assert!(rest.is_empty(), "whole frames only");
        frames
    }
}

impl AsyncWrite for Output {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if !self.open.load(Ordering::SeqCst) {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            // Checked again: `open` may have run between the check and storing the waker.
            if !self.open.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
        }
        self.written.lock().unwrap().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn dispatcher(json: &str) -> Dispatcher {
    eventwire_sample_app::reference::mount(Dispatcher::builder())
        .config(Config::from_json(json.as_bytes()).unwrap())
        .build()
        .unwrap()
}

fn request_frame(id: u64, event: &str, payload: &impl Message, timeout_ms: u32) -> Vec<u8> {
    let request = FfiRequest {
        event: event.into(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec();
    framing::encode(
        &StreamFrame {
            kind: Some(Kind::Request(StreamRequest {
                id,
                request,
                timeout_ms,
            })),
        }
        .encode_to_vec(),
    )
}

/// Lets the host run until every task is idle (the paused clock then jumps a day ahead).
async fn settle() {
    tokio::time::sleep(Duration::from_secs(86_400)).await;
}

#[tokio::test(start_paused = true)]
async fn unwritten_answer_bytes_stop_the_reader() {
    // 200 Echo requests of 100 KiB each, against a budget of 1 MiB of unwritten answers and a
    // front end that reads nothing. Without the byte budget the host reads all 200 (the count
    // bound is 2 x 1024 + 64) and holds 20 MB of answers.
    let d = dispatcher(r#"{"max_queued_answer_bytes": 1048576}"#);
    let echo = AllTypesPb {
        f_bytes: vec![7; 100 * 1024],
        ..Default::default()
    };
    let one = request_frame(1, "Echo", &echo, 0).len();
    let input: Vec<u8> = (1..=200)
        .flat_map(|id| request_frame(id, "Echo", &echo, 0))
        .collect();
    let at = Arc::new(AtomicUsize::new(0));
    let output = Output::default();
    let task = tokio::spawn({
        let (input, output) = (
            Input {
                bytes: input,
                at: Arc::clone(&at),
                hold_end: false,
            },
            output.clone(),
        );
        async move { serve(&d, input, output, ServeOptions::new()).await }
    });
    settle().await;
    let read = at.load(Ordering::SeqCst) / one;
    // Requests in flight and unwritten answers count against the budget: 1 MiB / 100 KiB = 10
    // requests reach it (the answer to each replaces its reservation); the reader's buffer holds
    // at most one chunk (64 KiB) beyond the frame it reads.
    assert!(
        read <= 12,
        "the host read {read} of 200 requests while nothing was written"
    );
    // Once the front end reads, every request is answered, once.
    output.open();
    let ending = task.await.unwrap();
    assert!(matches!(ending, Ending::Clean), "{ending:?}");
    let frames = output.frames();
    let mut ids: Vec<u64> = frames
        .iter()
        .filter_map(|k| {
            if let Kind::Response(r) = k {
                Some(r.id)
            } else {
                None
            }
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=200).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn notifications_for_a_front_end_that_does_not_read_are_bounded_and_their_drops_marked() {
    // EmitNotifications{1000} with a 10 KiB id against a notification budget of 256 KiB: at most
    // 256 KiB of notifications wait; when the front end reads, the marker after them shows the
    // drops, even though nothing is emitted after the burst.
    let d = dispatcher(r#"{"notification_queue_bytes": 262144}"#);
    let emit = EmitNotificationsPayloadPb {
        count: 1000,
        id: "i".repeat(10 * 1024),
        as_error: false,
    };
    let input = request_frame(1, "EmitNotifications", &emit, 0);
    let output = Output::default();
    let task = tokio::spawn({
        let (input, output) = (
            Input {
                bytes: input,
                at: Arc::default(),
                hold_end: false,
            },
            output.clone(),
        );
        async move { serve(&d, input, output, ServeOptions::new()).await }
    });
    settle().await;
    output.open();
    assert!(matches!(task.await.unwrap(), Ending::Clean));
    let frames = output.frames();
    let notes: Vec<_> = frames
        .iter()
        .filter_map(|k| {
            if let Kind::Notification(n) = k {
                Some(n.clone())
            } else {
                None
            }
        })
        .collect();
    let (markers, ticks): (Vec<_>, Vec<_>) = notes
        .iter()
        .partition(|n| is_drop_marker(&n.encode_to_vec()));
    let tick_bytes: usize = ticks.iter().map(|n| n.encoded_len()).sum();
    assert!(
        tick_bytes <= 262_144,
        "{tick_bytes} bytes of notifications were queued"
    );
    assert!(ticks.len() >= 10, "the queue was used: {}", ticks.len());
    assert!(
        ticks.iter().enumerate().all(|(i, n)| n.seq == i as u64 + 1),
        "the first ones, in order"
    );
    // Every run of drops is closed by a marker, the last notification is one, and the gaps in
    // seq (markers take a seq of their own) are exactly the drops.
    assert!(!markers.is_empty());
    assert!(
        notes.windows(2).all(|w| w[0].seq < w[1].seq),
        "increasing seq"
    );
    let last = notes.last().unwrap();
    assert!(
        is_drop_marker(&last.encode_to_vec()),
        "the marker is the last notification"
    );
    assert_eq!(last.seq - notes.len() as u64, 1000 - ticks.len() as u64);
    // The response came after the ticks it emitted, and exactly once.
    let position = |f: &dyn Fn(&Kind) -> bool| frames.iter().position(f).unwrap();
    let response = position(&|k| matches!(k, Kind::Response(r) if r.id == 1));
    let last_tick =
        position(&|k| matches!(k, Kind::Notification(n) if n.seq == ticks.last().unwrap().seq));
    assert!(last_tick < response);
    assert_eq!(
        frames
            .iter()
            .filter(|k| matches!(k, Kind::Response(_)))
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn when_the_output_is_gone_what_runs_is_cancelled_and_the_connection_ends() {
    // A Sleep with the longest deadline a frame can ask for (2^32 - 1 ms, 49 days), an input
    // that stays open, and then the output's reader goes away.
    let d = dispatcher("{}");
    let sleep = SleepPayloadPb { millis: u32::MAX };
    let input = Input {
        bytes: request_frame(1, "Sleep", &sleep, u32::MAX),
        at: Arc::default(),
        hold_end: true,
    };
    let (gone, gone_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let d = d.clone();
        async move {
            serve_watching(&d, input, Output::default(), ServeOptions::new(), async {
                let _ = gone_rx.await;
            })
            .await
        }
    });
    // Settled with the Sleep in flight: the host would wait for it.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(d.in_flight(), 1, "the Sleep is running");
    gone.send(()).unwrap();
    // A minute of paused clock: passes only once every task is idle, i.e. if the host waits on.
    let ending = tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the connection did not end when its output went away")
        .unwrap();
    assert!(
        matches!(ending, Ending::OutputFailed(ref e) if e.kind() == io::ErrorKind::BrokenPipe),
        "{ending:?}"
    );
    assert_eq!(ending.exit_code(), 1);
    // The Sleep was cancelled, not left running: ten (paused-clock) minutes later, well within
    // both its own end and the one-hour deadline cap, nothing is in flight.
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(d.in_flight(), 0, "the Sleep was left running");
}

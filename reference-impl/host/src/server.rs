//! One stream connection: frames in, frames out (SPEC.md section 13.3).
//!
//! The reading side classifies each frame and submits requests to a [`Session`]; a single writer
//! task drains the session's ordered outbound queue (responses and notifications, in the order
//! section 9.3 requires) together with the faults the reading side raises, and is the only code
//! that writes, so frames are never interleaved.
//!
//! Both sides batch: the reader takes the input in large chunks ([`FrameReader`]), and the writer
//! gathers every frame that is ready into one buffer, written and flushed as soon as nothing more
//! is ready. A pipelining front end thus costs a few system calls per batch rather than per
//! frame, and a front end waiting for one answer still gets it without delay.
//!
//! The reader stops reading while too many answers are taken in but not yet written
//! (`Backlog`), by count (`2 x max_in_flight + 64`) and by bytes (`max_queued_answer_bytes`,
//! SPEC.md section 10): a front end that sends and never reads is held back by its own pipe, not
//! buffered in the host's memory.
//!
//! When the output is gone (a write fails, or [`serve_watching`]'s `output_gone` fires: the
//! reader of a pipe closed it), nobody can receive an answer: every request in flight is
//! cancelled and the connection ends at once (SPEC.md REQ-TRANS-STREAM-12).

use std::{
    collections::HashMap,
    future::Future,
    io,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use eventwire::{
    Capabilities, Dispatcher, ErrorCode, FlowyError, Outbound, RequestOptions, Session,
    SessionConfig, SessionReceiver, TryRecvError,
    framing::{self, FrameError},
    pb::{
        FfiResponse, FfiStatusCode, StreamFault, StreamFrame, StreamResponse, stream_frame::Kind,
    },
    sync::lock,
};
use prost::Message;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt},
    sync::{Notify, mpsc},
};

use crate::{
    framing::FrameReader,
    inbound::{Inbound, classify},
};

/// Options of one connection.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ServeOptions {
    /// What this connection may call; `None` means the dispatcher's configured set.
    pub capabilities: Option<Capabilities>,
}

impl ServeOptions {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }
}

/// How a connection ended.
#[derive(Debug)]
pub enum Ending {
    /// The input ended at a frame boundary and every request was answered: exit status 0.
    Clean,
    /// A closing fault was sent (an oversized prefix, input ending inside a frame, a read error);
    /// requests in flight were still answered.
    Closed(FrameError),
    /// The output could not be written; requests in flight were cancelled.
    OutputFailed(io::Error),
}

impl Ending {
    /// The exit status of a process host.
    pub fn exit_code(&self) -> u8 {
        match self {
            Ending::Clean => 0,
            Ending::Closed(_) | Ending::OutputFailed(_) => 1,
        }
    }
}

/// What the reading side asks the writer to send besides the session's queue: a fault, or the
/// answer to a handshake (an encoded `StreamFrame{handshake}`).
enum Control {
    Fault(Fault),
    Handshake(Vec<u8>),
}

/// A fault the reading side asks the writer to send.
struct Fault {
    id: u64,
    error: FlowyError,
    closing: bool,
}

/// Requests submitted and not yet answered, by id (to refuse a duplicate, REQ-TRANS-STREAM-5 e),
/// with the bytes each is counted for in the backlog until its response is written.
type InFlightIds = Arc<Mutex<HashMap<u64, usize>>>;

/// Answers (responses and faults) the reader has caused and the writer has not written yet.
///
/// Each request and each fault adds one; the writer takes them off once their bytes are written.
/// The reader reads the next frame only below [`Backlog::limit`], which is above the in-flight
/// limit so that a front end sending too much still gets its OVERLOADED answers, but bounded, so
/// that a front end that never reads cannot make the host grow: its writes block instead.
///
/// Bytes are bounded too: the answers' bytes still in the session's queue
/// ([`Session::queued_answer_bytes`]) plus `bytes` (the requests read and not yet answered, each
/// by its frame's length, which reserves room for its answer; faults raised and responses taken
/// by the writer, not yet written) must be below `max_queued_answer_bytes` for the reader to read
/// on. Counting the requests in flight matters: handlers may be slower than the reader, which
/// would otherwise take up to `max_in_flight` requests of any size before the first answer.
#[derive(Debug, Default)]
struct Backlog {
    unwritten: AtomicUsize,
    bytes: AtomicUsize,
    drained: Notify,
}

impl Backlog {
    fn limit(max_in_flight: usize) -> usize {
        max_in_flight.saturating_mul(2).saturating_add(64)
    }

    fn add(&self) {
        self.unwritten.fetch_add(1, Ordering::SeqCst);
    }

    /// Bytes of answers now held by the writer (a fault raised, a response taken off the queue).
    fn hold(&self, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::SeqCst);
    }

    fn written(&self, answers: usize, bytes: usize) {
        if answers > 0 || bytes > 0 {
            self.unwritten.fetch_sub(answers, Ordering::SeqCst);
            self.bytes.fetch_sub(bytes, Ordering::SeqCst);
            self.drained.notify_one();
        }
    }

    async fn below(&self, limit: usize, session: &Session, byte_limit: usize) {
        while self.unwritten.load(Ordering::SeqCst) >= limit
            || self
                .bytes
                .load(Ordering::SeqCst)
                .saturating_add(session.queued_answer_bytes())
                >= byte_limit
        {
            // `notify_one` leaves a permit when nobody waits, so a drain between the check and
            // this await is not missed. Bytes in the session's queue are taken by the writer,
            // which then writes them and notifies.
            self.drained.notified().await;
        }
    }
}

/// Serves one connection until its input ends or cannot be read further, then answers every
/// request in flight and closes `output`.
pub async fn serve<R, W>(
    dispatcher: &Dispatcher,
    input: R,
    output: W,
    options: ServeOptions,
) -> Ending
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_watching(dispatcher, input, output, options, std::future::pending()).await
}

/// As [`serve`], also ending when `output_gone` completes: the transport has learnt that nobody
/// can read the output any more (for a pipe: its read end was closed), which a writer with
/// nothing to write would not notice. Every request in flight is then cancelled and the
/// connection ends at once with [`Ending::OutputFailed`] (SPEC.md REQ-TRANS-STREAM-12).
pub async fn serve_watching<R, W, G>(
    dispatcher: &Dispatcher,
    input: R,
    output: W,
    options: ServeOptions,
    output_gone: G,
) -> Ending
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
    G: Future<Output = ()>,
{
    let mut output_gone = std::pin::pin!(output_gone);
    let max_frame = dispatcher.config().max_frame_bytes();
    let mut session_config = SessionConfig::new();
    if let Some(capabilities) = options.capabilities {
        session_config = session_config.capabilities(capabilities);
    }
    let (session, outbound) = dispatcher.open_session(session_config);
    let (faults, fault_rx) = mpsc::unbounded_channel();
    let in_flight = InFlightIds::default();
    let backlog = Arc::new(Backlog::default());
    let mut writer = tokio::spawn(write_loop(
        output,
        outbound,
        fault_rx,
        Arc::clone(&in_flight),
        Arc::clone(&backlog),
        max_frame,
    ));

    let limit = Backlog::limit(dispatcher.config().max_in_flight);
    let byte_limit = dispatcher.config().max_queued_answer_bytes;
    let reader = read_loop(
        &session,
        FrameReader::new(input, max_frame),
        &faults,
        &in_flight,
        &backlog,
        limit,
        byte_limit,
    );
    let read_end = tokio::select! {
        end = reader => end,
        () = &mut output_gone => return gone(&session),
        written = &mut writer => {
            // The writer only stops early when the output fails: nobody can receive answers.
            session.cancel_all();
            session.close();
            let error = match written {
                Ok(Err(e)) => e,
                Ok(Ok(())) => io::Error::other("output closed"),
                Err(e) => io::Error::other(e),
            };
            return Ending::OutputFailed(error);
        }
    };
    let ending = match read_end {
        Ok(()) => Ending::Clean,
        Err(error) => {
            let code = match error {
                FrameError::TooLarge { .. } => ErrorCode::PayloadTooLarge,
                FrameError::Truncated { .. } | FrameError::Io(_) => ErrorCode::InvalidRequest,
            };
            raise(
                &backlog,
                &faults,
                Fault {
                    id: 0,
                    error: FlowyError::new(code, format!("stream: {error}")),
                    closing: true,
                },
            );
            Ending::Closed(error)
        }
    };
    // Requests in flight are still answered; the outbound queue ends after the last of them.
    session.close();
    drop(faults);
    let written = tokio::select! {
        written = writer => written,
        () = &mut output_gone => return gone(&session),
    };
    match written {
        Ok(Ok(())) => ending,
        Ok(Err(e)) => {
            // Nobody can receive the answers still to come: stop what runs.
            session.cancel_all();
            Ending::OutputFailed(e)
        }
        Err(e) => Ending::OutputFailed(io::Error::other(e)),
    }
}

/// The output is gone: cancels every request in flight and ends the connection.
fn gone(session: &Session) -> Ending {
    session.cancel_all();
    session.close();
    Ending::OutputFailed(io::Error::new(
        io::ErrorKind::BrokenPipe,
        "output closed by its reader",
    ))
}

/// Hands a fault to the writer, counted in the backlog.
fn raise(backlog: &Backlog, faults: &mpsc::UnboundedSender<Control>, fault: Fault) {
    send_control(backlog, faults, Control::Fault(fault));
}

fn send_control(backlog: &Backlog, faults: &mpsc::UnboundedSender<Control>, control: Control) {
    backlog.add();
    backlog.hold(control_len(&control));
    let _ = faults.send(control);
}

/// The bytes a fault or handshake is counted for: its framed length (near enough for a fault:
/// the error's encoding).
fn control_len(control: &Control) -> usize {
    match control {
        Control::Fault(fault) => framing::PREFIX_LEN + 16 + fault.error.encoded_len(),
        Control::Handshake(frame) => framing::PREFIX_LEN + frame.len(),
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    session: &Session,
    mut frames: FrameReader<R>,
    faults: &mpsc::UnboundedSender<Control>,
    in_flight: &InFlightIds,
    backlog: &Backlog,
    limit: usize,
    byte_limit: usize,
) -> Result<(), FrameError> {
    loop {
        backlog.below(limit, session, byte_limit).await;
        let Some(body) = frames.next_ref().await? else {
            break;
        };
        match classify(body) {
            Inbound::Request {
                id,
                request,
                timeout_ms,
            } => {
                let reserved = framing::PREFIX_LEN + body.len();
                if lock(in_flight).contains_key(&id) {
                    let error = FlowyError::new(
                        ErrorCode::InvalidRequest,
                        format!(
                            "request.id: {id} is already in flight; ids must be unique among requests in flight"
                        ),
                    );
                    // Id 0: a fault naming `id` would fail the request in flight with that id at
                    // the front end, which this refusal leaves unaffected (REQ-TRANS-STREAM-5).
                    raise(
                        backlog,
                        faults,
                        Fault {
                            id: 0,
                            error,
                            closing: false,
                        },
                    );
                    continue;
                }
                let mut options = RequestOptions::new();
                if timeout_ms != 0 {
                    options = options.timeout(Duration::from_millis(timeout_ms.into()));
                }
                lock(in_flight).insert(id, reserved);
                backlog.add();
                backlog.hold(reserved);
                session.submit(id, request, options);
            }
            Inbound::Cancel { id } => {
                session.cancel(id);
            }
            Inbound::Handshake => {
                // Answered with this backend's own, whatever the front end announced: the front
                // end draws the conclusions (SPEC.md section 16.5, REQ-VER-13).
                let frame = StreamFrame {
                    kind: Some(Kind::Handshake(session.dispatcher().handshake())),
                };
                send_control(backlog, faults, Control::Handshake(frame.encode_to_vec()));
            }
            Inbound::Invalid { id, reason } => {
                let error = FlowyError::new(ErrorCode::InvalidRequest, reason);
                raise(
                    backlog,
                    faults,
                    Fault {
                        id,
                        error,
                        closing: false,
                    },
                );
            }
        }
    }
    Ok(())
}

/// Bytes of output gathered before they are written even though more frames are ready.
const WRITE_CHUNK: usize = 64 * 1024;

/// Above this capacity, the output buffer is given back once written.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// What the writer takes next.
enum Next {
    Fault(Control),
    Outbound(Outbound),
    /// The session's queue has ended: every request has been answered.
    Ended,
}

/// Writes frames as they come, in the order they are taken: faults first when both are ready,
/// as before batching. Frames ready at the same moment are gathered into one buffer and written
/// together; the output is flushed whenever nothing more is ready, so a front end waiting for a
/// response never waits for a buffer to fill.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut output: W,
    mut outbound: SessionReceiver,
    mut faults: mpsc::UnboundedReceiver<Control>,
    in_flight: InFlightIds,
    backlog: Arc<Backlog>,
    max_frame: usize,
) -> io::Result<()> {
    let mut faults_open = true;
    let mut out = Vec::with_capacity(WRITE_CHUNK);
    // Answers in `out`, and their bytes, taken off the backlog once `out` is written.
    let mut answers = 0;
    let mut answer_bytes = 0;
    'session: loop {
        let mut next = tokio::select! {
            biased;
            fault = faults.recv(), if faults_open => match fault {
                Some(fault) => Next::Fault(fault),
                None => {
                    faults_open = false;
                    continue;
                }
            },
            message = outbound.recv() => message.map_or(Next::Ended, Next::Outbound),
        };
        loop {
            match next {
                Next::Fault(fault) => {
                    answer_bytes += control_len(&fault);
                    push_control(&mut out, fault);
                    answers += 1;
                }
                Next::Outbound(Outbound::Response {
                    request_id,
                    response,
                }) => {
                    // Forgotten before it is written, so the front end can reuse the id as soon
                    // as it reads the response.
                    let reserved = lock(&in_flight).remove(&request_id).unwrap_or(0);
                    // Off the session's queue, now the writer's until written; the request's
                    // reservation is released with it.
                    let held = response.len() + eventwire::ANSWER_ENTRY_BYTES;
                    backlog.hold(held);
                    answer_bytes += held + reserved;
                    push_response(&mut out, request_id, response, max_frame);
                    answers += 1;
                }
                Next::Outbound(Outbound::Notification {
                    seq,
                    subscribe_object,
                }) => {
                    if !push_notification(&mut out, &subscribe_object, max_frame) {
                        eprintln!(
                            "eventwire-host: notification seq {seq} exceeds the frame limit; dropped"
                        );
                    }
                }
                Next::Ended => break 'session,
            }
            if out.len() >= WRITE_CHUNK {
                output.write_all(&out).await?;
                out.clear();
                backlog.written(
                    std::mem::take(&mut answers),
                    std::mem::take(&mut answer_bytes),
                );
            }
            next = match take_ready(&mut faults, &mut faults_open, &mut outbound) {
                Some(next) => next,
                None => break,
            };
        }
        output.write_all(&out).await?;
        out.clear();
        backlog.written(
            std::mem::take(&mut answers),
            std::mem::take(&mut answer_bytes),
        );
        if out.capacity() > KEEP_CAPACITY {
            // Grown for one large frame: give the memory back rather than hold it for the
            // connection's lifetime.
            out = Vec::with_capacity(WRITE_CHUNK);
        }
        output.flush().await?;
    }
    while let Ok(fault) = faults.try_recv() {
        push_control(&mut out, fault);
    }
    output.write_all(&out).await?;
    output.flush().await?;
    output.shutdown().await
}

/// The next frame that is ready without waiting, faults first.
fn take_ready(
    faults: &mut mpsc::UnboundedReceiver<Control>,
    faults_open: &mut bool,
    outbound: &mut SessionReceiver,
) -> Option<Next> {
    if *faults_open {
        match faults.try_recv() {
            Ok(fault) => return Some(Next::Fault(fault)),
            Err(mpsc::error::TryRecvError::Disconnected) => *faults_open = false,
            Err(mpsc::error::TryRecvError::Empty) => {}
        }
    }
    match outbound.try_recv() {
        Ok(message) => Some(Next::Outbound(message)),
        Err(TryRecvError::Ended) => Some(Next::Ended),
        Err(TryRecvError::Empty) => None,
    }
}

/// Appends one frame: the length prefix, then `frame` encoded in place.
fn push_frame(out: &mut Vec<u8>, frame: &StreamFrame) {
    let len = frame.encoded_len();
    out.reserve(framing::PREFIX_LEN + len);
    out.extend_from_slice(
        &u32::try_from(len)
            .expect("frames are bounded by the frame limit")
            .to_le_bytes(),
    );
    frame.encode_raw(out);
}

fn push_control(out: &mut Vec<u8>, control: Control) {
    match control {
        Control::Fault(fault) => push_fault(out, fault),
        Control::Handshake(frame) => {
            out.extend_from_slice(
                &u32::try_from(frame.len())
                    .expect("a handshake is far below 4 GiB")
                    .to_le_bytes(),
            );
            out.extend_from_slice(&frame);
        }
    }
}

fn push_fault(out: &mut Vec<u8>, fault: Fault) {
    let fault = StreamFault {
        id: fault.id,
        error: fault.error.encode_to_vec(),
        closing: fault.closing,
    };
    push_frame(
        out,
        &StreamFrame {
            kind: Some(Kind::Fault(fault)),
        },
    );
}

/// Appends a response frame, or ERR `INTERNAL` in its place when it would exceed the frame limit
/// (REQ-LIMIT-5).
fn push_response(out: &mut Vec<u8>, id: u64, response: Vec<u8>, max_frame: usize) {
    let frame = StreamFrame {
        kind: Some(Kind::Response(StreamResponse { id, response })),
    };
    let len = frame.encoded_len();
    if len <= max_frame {
        return push_frame(out, &frame);
    }
    let error = FlowyError::new(
        ErrorCode::Internal,
        format!("response: {len} bytes framed, more than the stream's frame limit of {max_frame}"),
    );
    let response = FfiResponse {
        payload: error.encode_to_vec(),
        code: FfiStatusCode::Err as i32,
    }
    .encode_to_vec();
    push_frame(
        out,
        &StreamFrame {
            kind: Some(Kind::Response(StreamResponse { id, response })),
        },
    );
}

/// Appends a notification frame; `false` (nothing appended) when it would exceed the frame limit
/// (REQ-LIMIT-5: dropped; its `seq` is consumed, so the front end sees the gap).
///
/// The session's `SubscribeObject` bytes are the library's own encoding, so the frame is written
/// around them (`notification`, field 3, length-delimited) without decoding them again.
fn push_notification(out: &mut Vec<u8>, subscribe_object: &[u8], max_frame: usize) -> bool {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, key_len};
    const NOTIFICATION: u32 = 3;
    let len = key_len(NOTIFICATION)
        + encoded_len_varint(subscribe_object.len() as u64)
        + subscribe_object.len();
    if len > max_frame {
        return false;
    }
    out.reserve(framing::PREFIX_LEN + len);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    encode_key(NOTIFICATION, WireType::LengthDelimited, out);
    encode_varint(subscribe_object.len() as u64, out);
    out.extend_from_slice(subscribe_object);
    true
}

#[cfg(test)]
mod tests {
    use eventwire::pb::SubscribeObject;

    use super::*;

    fn one_frame(out: &[u8]) -> StreamFrame {
        let (body, used) = framing::split(out, usize::MAX >> 1)
            .unwrap()
            .expect("a whole frame");
        assert_eq!(used, out.len(), "exactly one frame");
        StreamFrame::decode(body).unwrap()
    }

    #[test]
    fn oversized_responses_become_internal_errors() {
        let mut out = Vec::new();
        push_response(&mut out, 5, vec![7; 100], 64);
        let Some(Kind::Response(r)) = one_frame(&out).kind else {
            panic!("response")
        };
        assert_eq!(r.id, 5);
        let response = FfiResponse::decode(r.response.as_slice()).unwrap();
        assert_eq!(response.code, FfiStatusCode::Err as i32);
        assert_eq!(
            FlowyError::decode(response.payload.as_slice())
                .unwrap()
                .code,
            ErrorCode::Internal as i32
        );
        // Within the limit, the bytes are carried unchanged.
        let mut out = Vec::new();
        push_response(&mut out, 5, vec![7; 10], 64);
        let Some(Kind::Response(r)) = one_frame(&out).kind else {
            panic!("response")
        };
        assert_eq!(r.response, vec![7; 10]);
    }

    #[test]
    fn oversized_notifications_are_dropped() {
        let object = SubscribeObject {
            source: "x".repeat(100),
            ..Default::default()
        }
        .encode_to_vec();
        let mut out = Vec::new();
        assert!(!push_notification(&mut out, &object, 64));
        assert!(out.is_empty());
        assert!(push_notification(&mut out, &object, 1024));
    }

    #[test]
    fn notification_frames_are_prosts_encoding_of_the_frame() {
        let object = SubscribeObject {
            source: "conformance".into(),
            ty: 1,
            id: "t".repeat(300),
            seq: 9,
            payload_oneof: Some(eventwire::pb::subscribe_object::PayloadOneof::Payload(
                vec![1, 2, 3],
            )),
            ..Default::default()
        };
        let mut out = Vec::new();
        assert!(push_notification(
            &mut out,
            &object.encode_to_vec(),
            1 << 20
        ));
        let expected = StreamFrame {
            kind: Some(Kind::Notification(object)),
        }
        .encode_to_vec();
        assert_eq!(out, framing::encode(&expected));
    }
}

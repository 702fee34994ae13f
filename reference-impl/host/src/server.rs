//! One stream connection: frames in, frames out (SPEC.md section 13.3).
//!
//! The reading side classifies each frame and submits requests to a [`Session`]; a single writer
//! task drains the session's ordered outbound queue (responses and notifications, in the order
//! section 9.3 requires) together with the faults the reading side raises, and is the only code
//! that writes, so frames are never interleaved.

use std::{
    collections::HashSet,
    io,
    sync::{Arc, Mutex},
    time::Duration,
};

use eventwire::{
    Capabilities, Dispatcher, ErrorCode, FlowyError, Outbound, RequestOptions, Session, SessionConfig,
    SessionReceiver,
    pb::{FfiResponse, FfiStatusCode, StreamFault, StreamFrame, StreamResponse, SubscribeObject, stream_frame::Kind},
};
use prost::Message;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt},
    sync::mpsc,
};

use crate::{
    framing::{self, FrameError, FrameReader},
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

/// A fault the reading side asks the writer to send.
struct Fault {
    id: u64,
    error: FlowyError,
    closing: bool,
}

/// Ids of requests submitted and not yet answered, to refuse a duplicate (REQ-TRANS-STREAM-5 e).
type InFlightIds = Arc<Mutex<HashSet<u64>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves one connection until its input ends or cannot be read further, then answers every
/// request in flight and closes `output`.
pub async fn serve<R, W>(dispatcher: &Dispatcher, input: R, output: W, options: ServeOptions) -> Ending
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let max_frame = dispatcher.config().max_frame_bytes();
    let mut session_config = SessionConfig::new();
    if let Some(capabilities) = options.capabilities {
        session_config = session_config.capabilities(capabilities);
    }
    let (session, outbound) = dispatcher.open_session(session_config);
    let (faults, fault_rx) = mpsc::unbounded_channel();
    let in_flight = InFlightIds::default();
    let mut writer = tokio::spawn(write_loop(output, outbound, fault_rx, Arc::clone(&in_flight), max_frame));

    let reader = read_loop(&session, FrameReader::new(input, max_frame), &faults, &in_flight);
    let read_end = tokio::select! {
        end = reader => end,
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
            let _ = faults.send(Fault { id: 0, error: FlowyError::new(code, format!("stream: {error}")), closing: true });
            Ending::Closed(error)
        }
    };
    // Requests in flight are still answered; the outbound queue ends after the last of them.
    session.close();
    drop(faults);
    match writer.await {
        Ok(Ok(())) => ending,
        Ok(Err(e)) => Ending::OutputFailed(e),
        Err(e) => Ending::OutputFailed(io::Error::other(e)),
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    session: &Session,
    mut frames: FrameReader<R>,
    faults: &mpsc::UnboundedSender<Fault>,
    in_flight: &InFlightIds,
) -> Result<(), FrameError> {
    while let Some(body) = frames.next().await? {
        match classify(&body) {
            Inbound::Request { id, request, timeout_ms } => {
                if !lock(in_flight).insert(id) {
                    let error = FlowyError::new(
                        ErrorCode::InvalidRequest,
                        format!("request.id: {id} is already in flight; ids must be unique among requests in flight"),
                    );
                    let _ = faults.send(Fault { id, error, closing: false });
                    continue;
                }
                let mut options = RequestOptions::new();
                if timeout_ms != 0 {
                    options = options.timeout(Duration::from_millis(timeout_ms.into()));
                }
                session.submit(id, request, options);
            }
            Inbound::Cancel { id } => {
                session.cancel(id);
            }
            Inbound::Invalid { id, reason } => {
                let error = FlowyError::new(ErrorCode::InvalidRequest, reason);
                let _ = faults.send(Fault { id, error, closing: false });
            }
        }
    }
    Ok(())
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut output: W,
    mut outbound: SessionReceiver,
    mut faults: mpsc::UnboundedReceiver<Fault>,
    in_flight: InFlightIds,
    max_frame: usize,
) -> io::Result<()> {
    let mut faults_open = true;
    loop {
        let body = tokio::select! {
            biased;
            fault = faults.recv(), if faults_open => match fault {
                Some(fault) => fault_body(fault),
                None => {
                    faults_open = false;
                    continue;
                }
            },
            message = outbound.recv() => match message {
                Some(Outbound::Response { request_id, response }) => {
                    // Forgotten before it is written, so the front end can reuse the id as soon
                    // as it reads the response.
                    lock(&in_flight).remove(&request_id);
                    response_body(request_id, response, max_frame)
                }
                Some(Outbound::Notification { seq, subscribe_object }) => {
                    match notification_body(subscribe_object, max_frame) {
                        Some(body) => body,
                        None => {
                            eprintln!("eventwire-host: notification seq {seq} exceeds the frame limit; dropped");
                            continue;
                        }
                    }
                }
                None => break,
            },
        };
        output.write_all(&framing::encode(&body)).await?;
        output.flush().await?;
    }
    while let Ok(fault) = faults.try_recv() {
        output.write_all(&framing::encode(&fault_body(fault))).await?;
    }
    output.flush().await?;
    output.shutdown().await
}

fn fault_body(fault: Fault) -> Vec<u8> {
    let fault = StreamFault { id: fault.id, error: fault.error.encode_to_vec(), closing: fault.closing };
    StreamFrame { kind: Some(Kind::Fault(fault)) }.encode_to_vec()
}

/// A response frame, or ERR `INTERNAL` in its place when it would exceed the frame limit
/// (REQ-LIMIT-5).
fn response_body(id: u64, response: Vec<u8>, max_frame: usize) -> Vec<u8> {
    let body = StreamFrame { kind: Some(Kind::Response(StreamResponse { id, response })) }.encode_to_vec();
    if body.len() <= max_frame {
        return body;
    }
    let error = FlowyError::new(
        ErrorCode::Internal,
        format!("response: {} bytes framed, more than the stream's frame limit of {max_frame}", body.len()),
    );
    let response = FfiResponse { payload: error.encode_to_vec(), code: FfiStatusCode::Err as i32 }.encode_to_vec();
    StreamFrame { kind: Some(Kind::Response(StreamResponse { id, response })) }.encode_to_vec()
}

/// A notification frame, or `None` when it would exceed the frame limit (REQ-LIMIT-5: dropped;
/// its `seq` is consumed, so the front end sees the gap).
fn notification_body(subscribe_object: Vec<u8>, max_frame: usize) -> Option<Vec<u8>> {
    let object = SubscribeObject::decode(subscribe_object.as_slice()).ok()?;
    let body = StreamFrame { kind: Some(Kind::Notification(object)) }.encode_to_vec();
    (body.len() <= max_frame).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_responses_become_internal_errors() {
        let body = response_body(5, vec![7; 100], 64);
        let Some(Kind::Response(r)) = StreamFrame::decode(body.as_slice()).unwrap().kind else { panic!("response") };
        assert_eq!(r.id, 5);
        let response = FfiResponse::decode(r.response.as_slice()).unwrap();
        assert_eq!(response.code, FfiStatusCode::Err as i32);
        assert_eq!(FlowyError::decode(response.payload.as_slice()).unwrap().code, ErrorCode::Internal as i32);
        // Within the limit, the bytes are carried unchanged.
        let body = response_body(5, vec![7; 10], 64);
        let Some(Kind::Response(r)) = StreamFrame::decode(body.as_slice()).unwrap().kind else { panic!("response") };
        assert_eq!(r.response, vec![7; 10]);
    }

    #[test]
    fn oversized_notifications_are_dropped() {
        let object = SubscribeObject { source: "x".repeat(100), ..Default::default() }.encode_to_vec();
        assert!(notification_body(object.clone(), 64).is_none());
        assert!(notification_body(object, 1024).is_some());
    }
}

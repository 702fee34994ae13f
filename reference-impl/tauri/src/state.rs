//! The plugin's state: the sessions of every page, and what ends them.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use eventwire::{
    Capabilities, Dispatcher, ErrorCode, FlowyError, Outbound, RequestOptions, Session,
    SessionConfig, SessionEnded,
    pb::{StreamFault, StreamFrame, StreamResponse, stream_frame::Kind},
    sync::lock,
};
use prost::{
    Message,
    encoding::{WireType, encode_key, encode_varint},
};
use tauri::ipc::{Channel, InvokeResponseBody};
use tokio::sync::{Notify, oneshot};

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The page asked (`disconnect`).
    Disconnect,
    /// The webview started loading a page (reload or navigation).
    PageLoad,
    /// The window closed.
    WindowClosed,
    /// The application exits.
    Exit,
}

/// What the plugin has done since it started, for tests and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Sessions opened (`connect`).
    pub sessions_opened: u64,
    /// Sessions ended (by any [`CloseReason`]).
    pub sessions_closed: u64,
    /// Requests handed to the dispatcher.
    pub requests_accepted: u64,
    /// Requests refused because their id was not above every id the session had taken: a
    /// request sent again (as Tauri does after a reload) is refused here and never runs twice.
    pub requests_repeated: u64,
    /// Frames refused because they named a session that is closed or unknown (or of another
    /// webview).
    pub requests_stale: u64,
    /// Requests in flight cancelled because their page went away.
    pub requests_orphaned: u64,
    /// Responses and notifications of ended sessions, dropped instead of sent to a page that
    /// is no longer the one that asked.
    pub late_messages_dropped: u64,
    /// `send` invokes of pages that went away, held unanswered until their window closes (an
    /// answer would reach the page that replaced them).
    pub answers_withheld: u64,
}

#[derive(Default)]
struct Counters {
    sessions_opened: AtomicU64,
    sessions_closed: AtomicU64,
    requests_accepted: AtomicU64,
    requests_repeated: AtomicU64,
    requests_stale: AtomicU64,
    requests_orphaned: AtomicU64,
    late_messages_dropped: AtomicU64,
    answers_withheld: AtomicU64,
}

/// The plugin's managed state (`app.state::<Eventwire>()`).
pub struct Eventwire {
    inner: Arc<Inner>,
}

struct Inner {
    dispatcher: Dispatcher,
    capabilities: HashMap<String, Capabilities>,
    default_capabilities: Option<Capabilities>,
    session_config: SessionConfig,
    sessions: Mutex<HashMap<u64, Arc<Entry>>>,
    /// Channels of sessions ended by a page load, by webview: kept until the webview's window
    /// closes. Dropping a channel makes Tauri tell the page it has ended, and after a page load
    /// that message would reach the new page, which has no such channel and logs an error.
    retired: Mutex<Vec<Retired>>,
    next_session: AtomicU64,
    counters: Counters,
    /// Windows closed since their pages' sessions ended, and whether the app exits: what the
    /// `send` invokes of ended pages wait for (see [`Eventwire::park`]).
    closed_windows: Mutex<std::collections::HashSet<String>>,
    exiting: std::sync::atomic::AtomicBool,
    closed: Notify,
}

/// A session ended by a page load, remembered until its window closes.
struct Retired {
    webview: String,
    window: String,
    session: u64,
    _channel: Channel<InvokeResponseBody>,
}

/// A `send` invoke waiting for its response: the number of channel messages before it, and the
/// response's bytes.
type Waiter = oneshot::Sender<(u64, Vec<u8>)>;

/// One page's session.
pub(crate) struct Entry {
    pub(crate) id: u64,
    webview: String,
    window: String,
    session: Session,
    /// Where its answers go; taken (and dropped) when the session ends, so that nothing reaches
    /// the page that replaced the one that connected.
    channel: Mutex<Option<Channel<InvokeResponseBody>>>,
    /// The request ids taken (SPEC.md REQ-TRANS-TAURI-4).
    taken: Mutex<TakenIds>,
    /// The `send` invokes waiting for their request's response, by request id: the response
    /// answers the invoke itself, with the number of channel messages that precede it.
    waiters: Mutex<HashMap<u64, Waiter>>,
    /// Messages sent on the channel so far (Tauri numbers them the same way, from 0).
    sent: AtomicU64,
    /// Why the session ended, once it has.
    ended: Mutex<Option<CloseReason>>,
    /// Woken each time a waiter is taken out of `waiters`.
    answered: Notify,
}

/// The request ids a session has taken, in bounded memory: every id up to `floor`, and those in
/// `above`. Ids counted up from 1 keep `above` as small as the reordering between the page and
/// the plugin (concurrent invokes may arrive out of order).
#[derive(Default)]
pub(crate) struct TakenIds {
    floor: u64,
    above: std::collections::BTreeSet<u64>,
}

impl TakenIds {
    /// At most this many ids above the floor; beyond, every id up to the highest counts as taken.
    const MAX_ABOVE: usize = 65_536;

    /// Takes `id`; `false` if it was taken before (or counts as taken).
    pub(crate) fn take(&mut self, id: u64) -> bool {
        if id <= self.floor || !self.above.insert(id) {
            return false;
        }
        while self.above.first() == Some(&(self.floor + 1)) {
            self.above.pop_first();
            self.floor += 1;
        }
        if self.above.len() > Self::MAX_ABOVE {
            self.floor = self.above.last().copied().unwrap_or(self.floor);
            self.above.clear();
        }
        true
    }
}

/// One encoded `StreamFrame{fault}`.
pub(crate) fn fault(id: u64, error: FlowyError) -> Vec<u8> {
    StreamFrame {
        kind: Some(Kind::Fault(StreamFault {
            id,
            error: error.encode_to_vec(),
            closing: false,
        })),
    }
    .encode_to_vec()
}

/// `StreamFrame{notification}` around a `SubscribeObject` already encoded, without decoding it:
/// the bytes are those `StreamFrame::encode` would write.
fn notification_frame(subscribe_object: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(subscribe_object.len() + 6);
    encode_key(3, WireType::LengthDelimited, &mut out);
    encode_varint(subscribe_object.len() as u64, &mut out);
    out.extend_from_slice(subscribe_object);
    out
}

fn response_frame(id: u64, response: Vec<u8>) -> Vec<u8> {
    StreamFrame {
        kind: Some(Kind::Response(StreamResponse { id, response })),
    }
    .encode_to_vec()
}

/// What `send` makes of one frame.
pub(crate) enum Sent {
    /// A cancel: taken, nothing to answer.
    Accepted,
    /// Refused: this fault frame is the answer.
    Refused(Vec<u8>),
    /// A handshake: this `StreamFrame{handshake}` is the answer, at once (SPEC.md section 16.5).
    Answered(Vec<u8>),
    /// Refused because its session has ended: the answer waits until the page that sent it
    /// cannot receive it any more (SPEC.md REQ-LIFE-4).
    Stale { window: String, fault: Vec<u8> },
    /// A request id taken before. If that request is still waiting for its response, this is
    /// the host sending its invoke again (Tauri does when the page goes away): the refusal waits
    /// for the first one's outcome, and after a page load for the window to close.
    Repeated {
        entry: Arc<Entry>,
        id: u64,
        fault: Vec<u8>,
    },
    /// Taken: the response comes through this, with the count of channel messages before it.
    Pending {
        entry: Arc<Entry>,
        id: u64,
        response: oneshot::Receiver<(u64, Vec<u8>)>,
    },
}

impl Eventwire {
    pub(crate) fn new(
        dispatcher: Dispatcher,
        capabilities: HashMap<String, Capabilities>,
        default_capabilities: Option<Capabilities>,
        session_config: SessionConfig,
    ) -> Self {
        Eventwire {
            inner: Arc::new(Inner {
                dispatcher,
                capabilities,
                default_capabilities,
                session_config,
                sessions: Mutex::new(HashMap::new()),
                retired: Mutex::new(Vec::new()),
                next_session: AtomicU64::new(1),
                counters: Counters::default(),
                closed_windows: Mutex::new(Default::default()),
                exiting: Default::default(),
                closed: Notify::new(),
            }),
        }
    }

    /// The dispatcher the plugin serves.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.inner.dispatcher
    }

    /// What the plugin has done so far.
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Acquire);
        Stats {
            sessions_opened: get(&c.sessions_opened),
            sessions_closed: get(&c.sessions_closed),
            requests_accepted: get(&c.requests_accepted),
            requests_repeated: get(&c.requests_repeated),
            requests_stale: get(&c.requests_stale),
            requests_orphaned: get(&c.requests_orphaned),
            late_messages_dropped: get(&c.late_messages_dropped),
            answers_withheld: get(&c.answers_withheld),
        }
    }

    /// Sessions open, of every webview.
    pub fn open_sessions(&self) -> usize {
        lock(&self.inner.sessions).len()
    }

    /// The capability set of the webview labelled `webview`.
    pub fn capabilities_of(&self, webview: &str) -> Option<&Capabilities> {
        self.inner
            .capabilities
            .get(webview)
            .or(self.inner.default_capabilities.as_ref())
    }

    /// Opens a session for a page of `webview` (in `window`), answering on `channel`.
    pub(crate) fn connect(
        &self,
        webview: &str,
        window: &str,
        channel: Channel<InvokeResponseBody>,
    ) -> u64 {
        let mut config = self.inner.session_config.clone();
        if let Some(caps) = self.capabilities_of(webview) {
            config = config.capabilities(caps.clone());
        }
        let (session, mut rx) = self.inner.dispatcher.open_session(config);
        let id = self.inner.next_session.fetch_add(1, Ordering::AcqRel);
        let entry = Arc::new(Entry {
            id,
            webview: webview.to_owned(),
            window: window.to_owned(),
            session,
            channel: Mutex::new(Some(channel)),
            taken: Mutex::new(TakenIds::default()),
            waiters: Mutex::new(HashMap::new()),
            sent: AtomicU64::new(0),
            ended: Mutex::new(None),
            answered: Notify::new(),
        });
        lock(&self.inner.closed_windows).remove(window);
        lock(&self.inner.sessions).insert(id, Arc::clone(&entry));
        self.inner
            .counters
            .sessions_opened
            .fetch_add(1, Ordering::AcqRel);

        // The session's one ordered queue, drained in order into its one channel.
        let inner = Arc::clone(&self.inner);
        let delivery = entry;
        self.inner.dispatcher.runtime().spawn(async move {
            while let Some(out) = rx.recv().await {
                let (frame, waiter) = match out {
                    Outbound::Response {
                        request_id,
                        response,
                    } => match lock(&delivery.waiters).remove(&request_id) {
                        Some(waiter) => {
                            delivery.answered.notify_waiters();
                            (response, Some(waiter))
                        }
                        None => (response_frame(request_id, response), None),
                    },
                    Outbound::Notification {
                        subscribe_object, ..
                    } => (notification_frame(&subscribe_object), None),
                };
                let channel = lock(&delivery.channel);
                let Some(channel) = channel.as_ref() else {
                    // The session has ended: nothing goes to the page that replaced its own.
                    inner
                        .counters
                        .late_messages_dropped
                        .fetch_add(1, Ordering::AcqRel);
                    continue;
                };
                match waiter {
                    // The invoke answers it: after the messages sent on the channel so far.
                    Some(waiter) => {
                        drop(waiter.send((delivery.sent.load(Ordering::Acquire), frame)))
                    }
                    None => {
                        // A webview that is gone makes `send` fail; its session ends with its window.
                        drop(channel.send(InvokeResponseBody::Raw(frame)));
                        delivery.sent.fetch_add(1, Ordering::AcqRel);
                    }
                }
            }
        });
        id
    }

    /// Takes one frame from the page of `webview` for session `session`.
    pub(crate) fn send(&self, webview: &str, session: Option<u64>, body: &[u8]) -> Sent {
        let frame = match StreamFrame::decode(body) {
            Ok(frame) => frame,
            Err(e) => {
                return Sent::Refused(fault(
                    0,
                    FlowyError::new(
                        ErrorCode::InvalidRequest,
                        format!("send: the body is not a StreamFrame: {e}"),
                    ),
                ));
            }
        };
        let (id, kind) = match frame.kind {
            Some(Kind::Request(ref r)) => (r.id, "request"),
            Some(Kind::Cancel(ref c)) => (c.id, "cancel"),
            Some(Kind::Handshake(_)) => {
                // The backend's own, whatever the page announced, with or without a session: the
                // page draws the conclusions (SPEC.md section 16.5).
                let answer = StreamFrame {
                    kind: Some(Kind::Handshake(self.inner.dispatcher.handshake())),
                };
                return Sent::Answered(answer.encode_to_vec());
            }
            Some(_) => {
                return Sent::Refused(fault(
                    0,
                    FlowyError::new(
                        ErrorCode::InvalidRequest,
                        "send: a page sends only request and cancel frames",
                    ),
                ));
            }
            None => {
                return Sent::Refused(fault(
                    0,
                    FlowyError::new(ErrorCode::InvalidRequest, "send: the frame has no kind set"),
                ));
            }
        };
        let Some(session) = session else {
            return Sent::Refused(fault(
                id,
                FlowyError::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "send: no {} header naming the session",
                        crate::SESSION_HEADER
                    ),
                ),
            ));
        };
        let entry = lock(&self.inner.sessions).get(&session).cloned();
        let entry = match entry {
            Some(entry) if entry.webview == webview => entry,
            entry => {
                if kind == "cancel" {
                    // A cancel for a session that has ended changes nothing (REQ-TIME-5).
                    return Sent::Accepted;
                }
                self.inner
                    .counters
                    .requests_stale
                    .fetch_add(1, Ordering::AcqRel);
                let fault = fault(
                    id,
                    FlowyError::new(
                        ErrorCode::TransportClosed,
                        format!(
                            "send: session {session} has ended (its page was reloaded, navigated away or closed); request {id} was not run"
                        ),
                    ),
                );
                // A session of this webview that ended with its page: the sender is that old
                // page (the host re-sending its invoke), which must get nothing.
                return match entry {
                    Some(_) => Sent::Refused(fault),
                    None => match self.retired_window(webview, session) {
                        Some(window) => Sent::Stale { window, fault },
                        None => Sent::Refused(fault),
                    },
                };
            }
        };
        match frame.kind {
            Some(Kind::Cancel(_)) => {
                entry.session.cancel(id);
                Sent::Accepted
            }
            Some(Kind::Request(request)) => {
                if request.id == 0 {
                    return Sent::Refused(fault(
                        0,
                        FlowyError::new(
                            ErrorCode::InvalidRequest,
                            "send: request id 0 is not allowed",
                        ),
                    ));
                }
                if !lock(&entry.taken).take(request.id) {
                    self.inner
                        .counters
                        .requests_repeated
                        .fetch_add(1, Ordering::AcqRel);
                    return Sent::Repeated {
                        id: request.id,
                        entry,
                        fault: fault(
                            request.id,
                            FlowyError::new(
                                ErrorCode::InvalidRequest,
                                format!(
                                    "send: request id {} was already taken in this session: a request is never run twice",
                                    request.id
                                ),
                            ),
                        ),
                    };
                }
                let mut options = RequestOptions::new();
                if request.timeout_ms > 0 {
                    options = options
                        .timeout(std::time::Duration::from_millis(request.timeout_ms.into()));
                }
                // Registered first: the response may be decided before `try_submit` returns.
                let (tx, response) = oneshot::channel();
                lock(&entry.waiters).insert(request.id, tx);
                match entry
                    .session
                    .try_submit(request.id, request.request, options)
                {
                    Ok(()) => {
                        self.inner
                            .counters
                            .requests_accepted
                            .fetch_add(1, Ordering::AcqRel);
                        Sent::Pending {
                            id: request.id,
                            entry,
                            response,
                        }
                    }
                    Err(SessionEnded) => {
                        lock(&entry.waiters).remove(&request.id);
                        self.inner
                            .counters
                            .requests_stale
                            .fetch_add(1, Ordering::AcqRel);
                        Sent::Refused(fault(
                            request.id,
                            FlowyError::new(
                                ErrorCode::TransportClosed,
                                format!("send: session {session} has ended"),
                            ),
                        ))
                    }
                }
            }
            _ => unreachable!("only request and cancel frames get here"),
        }
    }

    /// Ends session `session` if it belongs to `webview`; `false` if there is no such session.
    pub(crate) fn disconnect(&self, webview: &str, session: u64) -> bool {
        let entry = {
            let mut sessions = lock(&self.inner.sessions);
            match sessions.get(&session) {
                Some(e) if e.webview == webview => sessions.remove(&session),
                _ => None,
            }
        };
        match entry {
            Some(entry) => {
                self.end(&entry, CloseReason::Disconnect);
                true
            }
            None => false,
        }
    }

    /// Ends every session of the webview labelled `webview` (its page is being replaced).
    pub fn close_webview(&self, webview: &str, reason: CloseReason) {
        self.close_where(|e| e.webview == webview, reason);
    }

    /// Ends every session of the webviews of the window labelled `window`.
    pub fn close_window(&self, window: &str) {
        self.close_where(
            |e| e.window == window || e.webview == window,
            CloseReason::WindowClosed,
        );
        let retired: Vec<_> = {
            let mut all = lock(&self.inner.retired);
            let (gone, kept) = std::mem::take(&mut *all)
                .into_iter()
                .partition(|r: &Retired| r.window == window || r.webview == window);
            *all = kept;
            gone
        };
        drop(retired);
        lock(&self.inner.closed_windows).insert(window.to_owned());
        self.inner.closed.notify_waiters();
    }

    /// Ends every session.
    pub fn close_all(&self) {
        self.close_where(|_| true, CloseReason::Exit);
        drop(std::mem::take(&mut *lock(&self.inner.retired)));
        self.inner.exiting.store(true, Ordering::Release);
        self.inner.closed.notify_waiters();
    }

    /// The window of `webview`'s session `session` if a page load ended it.
    fn retired_window(&self, webview: &str, session: u64) -> Option<String> {
        lock(&self.inner.retired)
            .iter()
            .find(|r| r.webview == webview && r.session == session)
            .map(|r| r.window.clone())
    }

    /// Returns once `window` has closed (or the app exits): until then an answer would reach
    /// the page that replaced the one that asked.
    pub(crate) async fn park(&self, window: &str) {
        self.inner
            .counters
            .answers_withheld
            .fetch_add(1, Ordering::AcqRel);
        loop {
            let closed = self.inner.closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            if self.inner.exiting.load(Ordering::Acquire)
                || lock(&self.inner.closed_windows).contains(window)
            {
                return;
            }
            closed.await;
        }
    }

    /// Waits for the response of a request `send` took: the invoke's answer, `after` channel
    /// messages. `None` when its session ended first and the page that sent it is gone: then
    /// nothing may answer it until its window closes.
    pub(crate) async fn response(
        &self,
        entry: Arc<Entry>,
        id: u64,
        response: oneshot::Receiver<(u64, Vec<u8>)>,
    ) -> Answer {
        match response.await {
            Ok((after, response)) => Answer::Response {
                after,
                frame: response_frame(id, response),
            },
            Err(_) => {
                let reason = *lock(&entry.ended);
                let fault = fault(
                    id,
                    FlowyError::new(
                        ErrorCode::TransportClosed,
                        format!(
                            "send: session {} ended before request {id} was answered",
                            entry.id
                        ),
                    ),
                );
                match reason {
                    Some(CloseReason::Disconnect) | None => Answer::Fault(fault),
                    Some(_) => {
                        self.park(&entry.window).await;
                        Answer::Fault(fault)
                    }
                }
            }
        }
    }
}

impl Eventwire {
    /// The answer to a repeated request: once the first one with its id has been answered, and
    /// after a page load only once the page's window has closed.
    pub(crate) async fn repeated(&self, entry: Arc<Entry>, id: u64, fault: Vec<u8>) -> Vec<u8> {
        loop {
            let answered = entry.answered.notified();
            tokio::pin!(answered);
            answered.as_mut().enable();
            if !lock(&entry.waiters).contains_key(&id) {
                break;
            }
            answered.await;
        }
        let reason = *lock(&entry.ended);
        if matches!(
            reason,
            Some(CloseReason::PageLoad | CloseReason::WindowClosed | CloseReason::Exit)
        ) {
            self.park(&entry.window).await;
        }
        fault
    }
}

/// What a `send` invoke answers.
pub(crate) enum Answer {
    Response { after: u64, frame: Vec<u8> },
    Fault(Vec<u8>),
}

impl Eventwire {
    fn close_where(&self, which: impl Fn(&Entry) -> bool, reason: CloseReason) {
        let ended: Vec<Arc<Entry>> = {
            let mut sessions = lock(&self.inner.sessions);
            let ids: Vec<u64> = sessions
                .values()
                .filter(|e| which(e))
                .map(|e| e.id)
                .collect();
            ids.iter().filter_map(|id| sessions.remove(id)).collect()
        };
        for entry in ended {
            self.end(&entry, reason);
        }
    }

    /// Ends one session (already out of the map): nothing more goes to its channel, its
    /// requests in flight are cancelled (their handlers are dropped), and it takes no request.
    fn end(&self, entry: &Entry, reason: CloseReason) {
        *lock(&entry.ended) = Some(reason);
        // First the channel, so that no answer decided from here on reaches any page.
        let channel = lock(&entry.channel).take();
        if let Some(channel) = channel {
            if reason == CloseReason::PageLoad {
                // Not dropped yet: see `retired`.
                lock(&self.inner.retired).push(Retired {
                    webview: entry.webview.clone(),
                    window: entry.window.clone(),
                    session: entry.id,
                    _channel: channel,
                });
            }
        }
        let in_flight = entry.session.in_flight() as u64;
        self.inner
            .counters
            .requests_orphaned
            .fetch_add(in_flight, Ordering::AcqRel);
        entry.session.cancel_all();
        entry.session.close();
        self.inner
            .counters
            .sessions_closed
            .fetch_add(1, Ordering::AcqRel);
    }
}

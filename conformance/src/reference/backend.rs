//! The reference backend: each dispatch case runs against a fresh reference dispatcher
//! (`eventwire`), configured as the case says, through one session, so that notifications and
//! responses arrive on one ordered queue exactly as a transport would deliver them.

use std::time::Duration;

use eventwire::{
    Capabilities, Config, Dispatcher, Outbound, RequestOptions, Session, SessionConfig,
    SessionReceiver, TryRecvError,
};
use eventwire_schema::testee_pb::{self, case_result::Result as R};

use super::drive;

/// A runtime for the dispatchers of successive cases.
pub struct Backend {
    runtime: tokio::runtime::Runtime,
}

impl Backend {
    pub fn new() -> Backend {
        quiet_handler_panics();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(WORKER_NAME)
            .enable_all()
            .build()
            .expect("a tokio runtime can be built");
        Backend { runtime }
    }

    fn dispatcher(&self, c: &testee_pb::BackendConfig) -> Result<Dispatcher, String> {
        let mut config = Config::default();
        if c.max_payload_bytes > 0 {
            config.max_payload_bytes = usize::try_from(c.max_payload_bytes).unwrap_or(usize::MAX);
        }
        if c.max_nesting_depth > 0 {
            config.max_nesting_depth = c.max_nesting_depth;
        }
        if c.max_in_flight > 0 {
            config.max_in_flight = c.max_in_flight as usize;
        }
        if !c.capabilities.is_empty() || c.capabilities_configured {
            config.capabilities =
                Capabilities::from_patterns(&c.capabilities).map_err(|e| format!("{e:?}"))?;
        }
        eventwire_sample_app::mount(Dispatcher::builder())
            .mount(eventwire_conformance_module::module())
            .config(config)
            .ready(!c.not_ready)
            .runtime(self.runtime.handle().clone())
            .build()
            .map_err(|e| e.to_string())
    }

    /// Runs the steps on a fresh dispatcher: subscriber 0 is one session that sends the requests,
    /// every other subscriber a session that only receives notifications.
    pub fn dispatch(&mut self, op: &testee_pb::DispatchOp) -> R {
        let dispatcher = match self.dispatcher(&op.config.clone().unwrap_or_default()) {
            Ok(d) => d,
            Err(e) => return R::Unsupported(format!("this configuration cannot be built: {e}")),
        };
        let (session, receiver) = dispatcher.open_session(SessionConfig::new());
        let mut connection = InProcess {
            runtime: &self.runtime,
            session,
            receiver,
            dispatcher: dispatcher.clone(),
        };
        let mut subscribers = Sessions {
            dispatcher: &dispatcher,
            open: Vec::new(),
        };
        let outcome = drive::dispatch(op, &mut connection, &mut subscribers);
        connection.session.close();
        for (_, session, _) in &subscribers.open {
            session.close();
        }
        match outcome {
            Ok(dispatched) => R::Dispatched(dispatched),
            Err(e) => R::Unsupported(e),
        }
    }
}

/// Subscriber 0 in process: one session of the dispatcher.
struct InProcess<'a> {
    runtime: &'a tokio::runtime::Runtime,
    session: Session,
    receiver: SessionReceiver,
    dispatcher: Dispatcher,
}

impl drive::Connection for InProcess<'_> {
    fn send(&mut self, id: u64, step: &testee_pb::DispatchStep) -> Result<(), String> {
        let mut options = RequestOptions::new();
        if step.timeout_ms > 0 {
            options = options.timeout(Duration::from_millis(u64::from(step.timeout_ms)));
        }
        self.session.submit(id, step.request.clone(), options);
        Ok(())
    }

    fn cancel(&mut self, id: u64) -> Result<(), String> {
        // An id that is no longer in flight is ignored, as the protocol requires.
        self.session.cancel(id);
        Ok(())
    }

    fn next(&mut self, wait: Duration) -> Result<Option<drive::Event>, String> {
        let receiver = &mut self.receiver;
        match self
            .runtime
            .block_on(async { tokio::time::timeout(wait, receiver.recv()).await })
        {
            Err(_elapsed) => Ok(None),
            Ok(Some(Outbound::Notification {
                subscribe_object, ..
            })) => Ok(Some(drive::Event::Notification(subscribe_object))),
            Ok(Some(Outbound::Response {
                request_id,
                response,
            })) => Ok(Some(drive::Event::Response {
                id: request_id,
                response,
            })),
            Ok(None) => Err("the session ended before every response".into()),
        }
    }

    fn admitted(&mut self) -> Option<usize> {
        Some(self.dispatcher.in_flight())
    }
}

/// The other subscribers in process: sessions that send nothing.
struct Sessions<'a> {
    dispatcher: &'a Dispatcher,
    /// (index into `BackendConfig.subscribers`, session, receiver).
    open: Vec<(usize, Session, SessionReceiver)>,
}

impl drive::Subscribers for Sessions<'_> {
    fn subscribe(&mut self, index: usize, config: &testee_pb::Subscriber) -> Result<(), String> {
        let mut c = SessionConfig::new();
        if config.notification_queue > 0 {
            c = c.notification_queue(config.notification_queue as usize);
        }
        let (session, receiver) = self.dispatcher.open_session(c);
        self.open.push((index, session, receiver));
        Ok(())
    }

    fn read(&mut self, results: &mut [testee_pb::SubscriberResult]) -> Result<(), String> {
        for (index, _, receiver) in &mut self.open {
            let result = &mut results[*index];
            // No step is in flight: everything for this subscriber is already queued.
            loop {
                match receiver.try_recv() {
                    Ok(Outbound::Notification {
                        subscribe_object, ..
                    }) => result.notifications.push(subscribe_object),
                    Ok(Outbound::Response { request_id, .. }) => {
                        return Err(format!(
                            "a subscriber that sent nothing received a response to {request_id}"
                        ));
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Ended) => return Err("a subscriber's session ended".into()),
                }
            }
            result.dropped = Some(receiver.dropped_notifications());
        }
        Ok(())
    }
}

/// The conformance module's Panic handler panics on purpose, on a runtime worker; the dispatcher
/// answers it INTERNAL. Those panics are expected, so they are not printed; every other panic
/// still goes to the previous hook.
fn quiet_handler_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(WORKER_NAME) {
                previous(info);
            }
        }));
    });
}

const WORKER_NAME: &str = "eventwire-reference-worker";

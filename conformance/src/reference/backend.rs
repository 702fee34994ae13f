//! The reference backend: each dispatch case runs against a fresh reference dispatcher
//! (`eventwire`), configured as the case says, through one session, so that notifications and
//! responses arrive on one ordered queue exactly as a transport would deliver them.

use std::time::Duration;

use eventwire::{Capabilities, Config, Dispatcher, Outbound, RequestOptions, SessionConfig};
use eventwire_schema::testee_pb::{self, case_result::Result as R};

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
        if !c.capabilities.is_empty() {
            config.capabilities = Capabilities::from_patterns(&c.capabilities).map_err(|e| format!("{e:?}"))?;
        }
        let mut builder = Dispatcher::builder();
        builder.config(config).ready(!c.not_ready).runtime(self.runtime.handle().clone());
        eventwire::app::register_all(&mut builder);
        builder.build().map_err(|e| e.to_string())
    }

    /// Runs the steps one after the other on one session of a fresh dispatcher.
    pub fn dispatch(&mut self, op: &testee_pb::DispatchOp) -> R {
        let dispatcher = match self.dispatcher(&op.config.clone().unwrap_or_default()) {
            Ok(d) => d,
            Err(e) => return R::Unsupported(format!("this configuration cannot be built: {e}")),
        };
        let (session, mut receiver) = dispatcher.open_session(SessionConfig::new());
        let mut steps = Vec::new();
        for (i, step) in op.steps.iter().enumerate() {
            let id = i as u64 + 1;
            let mut options = RequestOptions::new();
            if step.timeout_ms > 0 {
                options = options.timeout(Duration::from_millis(u64::from(step.timeout_ms)));
            }
            session.submit(id, step.request.clone(), options);
            if step.cancel_after_ms > 0 {
                let (session, after) = (session.clone(), Duration::from_millis(u64::from(step.cancel_after_ms)));
                self.runtime.spawn(async move {
                    tokio::time::sleep(after).await;
                    session.cancel(id);
                });
            }
            let mut result = testee_pb::StepResult::default();
            loop {
                match self.runtime.block_on(receiver.recv()) {
                    Some(Outbound::Notification { subscribe_object, .. }) => result.notifications.push(subscribe_object),
                    Some(Outbound::Response { request_id, response }) if request_id == id => {
                        result.response = response;
                        break;
                    }
                    // An answer to an earlier step cannot come: each was awaited.
                    Some(Outbound::Response { .. }) => {}
                    None => return R::Unsupported("the session ended before the response".into()),
                }
            }
            steps.push(result);
        }
        session.close();
        R::Dispatched(testee_pb::Dispatched { steps })
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

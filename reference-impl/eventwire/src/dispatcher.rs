//! The dispatcher: built once from registered handlers, checked against the event tables, then
//! shared by every transport.

use std::{
    collections::BTreeMap,
    fmt,
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use eventwire_schema::pb::{ErrorCode, FfiResponse, FfiStatusCode, FlowyError};
use prost::Message;

use tokio::runtime::Handle;

use crate::{
    catalog::{self, Catalog},
    config::{Capabilities, Config},
    context::Context,
    notify::{NotificationCenter, Notifier},
    pipeline::{self, InFlight, Inner, RequestOptions, Route, Routes},
    problems::{BuildError, BuildProblem},
    registry::{Event, Raw, RawHandler, Start, Typed},
    schema::{EventDef, Schema},
};

/// Routes encoded requests to handlers and answers each exactly once. Cheap to clone; clones
/// share everything.
#[derive(Clone)]
pub struct Dispatcher {
    pub(crate) inner: Arc<Inner>,
}

impl Dispatcher {
    /// Starts building a dispatcher; give it the application's schema and handlers.
    pub fn builder() -> DispatcherBuilder {
        DispatcherBuilder::new()
    }

    /// Answers one encoded `FFIRequest` with one encoded `FFIResponse`. Never fails and never
    /// panics: every outcome is a response. Poll it inside a tokio runtime with timers enabled
    /// (e.g. `Runtime::block_on` for a synchronous caller); handlers run on
    /// [`runtime`](Self::runtime).
    pub fn dispatch<'a>(&'a self, request: &'a [u8]) -> impl Future<Output = Vec<u8>> + Send + 'a {
        pipeline::run_bytes(&self.inner, request, RequestOptions::default())
    }

    /// As [`dispatch`](Self::dispatch), with a deadline override, a capability set, a cancel
    /// handle and a request id. If the returned future is dropped early, the handler is dropped
    /// too.
    pub fn dispatch_with<'a>(
        &'a self,
        request: &'a [u8],
        options: RequestOptions,
    ) -> impl Future<Output = Vec<u8>> + Send + 'a {
        pipeline::run_bytes(&self.inner, request, options)
    }

    /// As [`dispatch_with`](Self::dispatch_with), returning the `FFIResponse` message rather
    /// than its bytes.
    pub fn dispatch_response<'a>(
        &'a self,
        request: &'a [u8],
        options: RequestOptions,
    ) -> impl Future<Output = FfiResponse> + Send + 'a {
        pipeline::run(&self.inner, request, options)
    }

    /// Typed call for Rust callers: runs the same path as the bytes (so the same checks apply)
    /// and decodes the answer.
    pub async fn call<E: Event>(&self, input: E::Input) -> Result<E::Output, FlowyError> {
        self.call_with::<E>(input, RequestOptions::default()).await
    }

    /// As [`call`](Self::call), with options.
    pub async fn call_with<E: Event>(
        &self,
        input: E::Input,
        options: RequestOptions,
    ) -> Result<E::Output, FlowyError> {
        // The same pipeline as bytes, minus encoding an envelope only to take it apart again.
        let payload = input.encode_to_vec();
        let request = pipeline::RequestRef::new(E::NAME, &payload);
        let response = pipeline::run_parts(&self.inner, request, options).await;
        if response.code == FfiStatusCode::Ok as i32 {
            E::Output::decode(response.payload.as_slice()).map_err(|e| {
                FlowyError::new(
                    ErrorCode::Internal,
                    format!("output of `{}` does not decode: {e}", E::NAME),
                )
            })
        } else {
            Err(
                FlowyError::decode(response.payload.as_slice()).unwrap_or_else(|e| {
                    FlowyError::new(
                        ErrorCode::Internal,
                        format!("error of `{}` does not decode: {e}", E::NAME),
                    )
                }),
            )
        }
    }

    /// Marks initialisation as finished: requests are routed from now on instead of being
    /// answered `BACKEND_NOT_READY`.
    pub fn set_ready(&self) {
        self.inner.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    /// Emits notifications from outside a request (background work).
    pub fn notifier(&self) -> Notifier {
        Notifier::new(self.inner.center.clone())
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Requests currently being handled (those counted against `max_in_flight`).
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.current()
    }

    /// The runtime handlers run on.
    pub fn runtime(&self) -> &Handle {
        &self.inner.runtime
    }

    /// The schemas it serves, in the order they were added.
    pub fn schemas(&self) -> &[&'static Schema] {
        &self.inner.schemas
    }

    /// What this backend announces in the handshake (SPEC.md section 16.5): protocol version 1
    /// and the fingerprints of every module of its schemas.
    pub fn handshake(&self) -> eventwire_schema::pb::StreamHandshake {
        crate::handshake::handshake_of(self.inner.schemas.iter().copied())
    }

    /// Whether some schema declares module `name`.
    pub fn declares_module(&self, name: &str) -> bool {
        self.inner.catalog.has_module(name)
    }

    /// The event routed under `name`, if some schema declares it.
    pub fn event(&self, name: &str) -> Option<&'static EventDef> {
        self.inner.catalog.event(name)
    }
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("events", &self.inner.routes.len())
            .field("ready", &self.is_ready())
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

/// What [`DispatcherBuilder::mount`] takes: something that registers handlers, normally the
/// `Module` that `eventwire-build` generates for each table (`handlers::todo::Module(state)`),
/// which also adds its crate's schema.
pub trait Mount {
    /// Adds schemas and handlers to `builder`.
    fn mount(self, builder: DispatcherBuilder) -> DispatcherBuilder;
}

/// Collects schemas, handlers and configuration; [`build`](Self::build) checks them against
/// each other. Methods chain:
///
/// ```ignore
/// let dispatcher = Dispatcher::builder()
///     .mount(handlers::todo::Module(Todos::default()))
///     .handle(events::Ping, ping)
///     .config(config)
///     .build()?;
/// ```
pub struct DispatcherBuilder {
    schemas: Vec<&'static Schema>,
    config: Config,
    ready: bool,
    runtime: Option<Handle>,
    handlers: BTreeMap<String, Vec<Arc<dyn Start>>>,
}

impl Default for DispatcherBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DispatcherBuilder {
    /// A builder with no schema and no handler.
    pub fn new() -> Self {
        DispatcherBuilder {
            schemas: Vec::new(),
            config: Config::default(),
            ready: true,
            runtime: None,
            handlers: BTreeMap::new(),
        }
    }

    /// Serves the events, notifications and error codes of `schema` (the `SCHEMA` that
    /// `eventwire-build` generates). Several schemas compose; adding one twice is harmless.
    pub fn schema(mut self, schema: &'static Schema) -> Self {
        if !self.schemas.iter().any(|s| std::ptr::eq(*s, schema)) {
            self.schemas.push(schema);
        }
        self
    }

    /// Mounts a module's handlers (and its schema): see [`Mount`].
    pub fn mount(self, module: impl Mount) -> Self {
        module.mount(self)
    }

    /// Sets the limits and default capabilities.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Whether the dispatcher starts ready (the default). A backend that initialises after
    /// building passes `false` and calls [`Dispatcher::set_ready`] when done.
    pub fn ready(mut self, ready: bool) -> Self {
        self.ready = ready;
        self
    }

    /// The runtime handlers run on. Defaults to the runtime `build` is called from.
    pub fn runtime(mut self, runtime: Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Registers `handler` for event `E` (named by its marker, e.g. `events::CreateTodo`): an
    /// async function of the context and the decoded input.
    pub fn handle<E, F, Fut>(mut self, _event: E, handler: F) -> Self
    where
        E: Event,
        F: Fn(Context, E::Input) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<E::Output, FlowyError>> + Send + 'static,
    {
        self.handlers
            .entry(E::NAME.to_owned())
            .or_default()
            .push(Arc::new(Typed::<E, F>::new(handler)));
        self
    }

    /// Registers a type-erased handler under an event name given at run time. `build` refuses a
    /// name no schema declares.
    pub fn handle_raw(mut self, event: impl Into<String>, handler: impl RawHandler) -> Self {
        self.handlers
            .entry(event.into())
            .or_default()
            .push(Arc::new(Raw(handler)));
        self
    }

    /// Checks the schemas against each other (an event name, event id, module or (source, ty)
    /// declared twice is refused, naming both origins), that every declared event has exactly
    /// one handler, that no handler is for an undeclared event, and that per-event timeouts name
    /// declared events. Capability patterns naming no declared module or event are accepted and
    /// match nothing (SPEC.md REQ-CAP-2), so one capability file can serve backends with
    /// different sets of events. Every problem found is reported, not only the first.
    pub fn build(self) -> Result<Dispatcher, BuildError> {
        let mut problems = Vec::new();
        if self.schemas.is_empty() {
            problems.push(BuildProblem::NoSchema);
        }
        let catalog = Catalog::merge(&self.schemas, &mut problems);
        if let Err(e) = self.config.validate() {
            problems.push(BuildProblem::Config(e));
        }
        for event in self.config.event_timeouts_ms.keys() {
            if catalog.event(event).is_none() {
                problems.push(BuildProblem::UnknownTimeoutEvent {
                    event: event.clone(),
                });
            }
        }
        for name in self.handlers.keys() {
            if catalog.event(name).is_none() {
                problems.push(BuildProblem::UndeclaredEvent {
                    event: name.clone(),
                });
            }
        }
        let mut routes = Routes::default();
        for (event, schema) in catalog.events() {
            match self.handlers.get(event.name).map(Vec::as_slice) {
                None | Some([]) => problems.push(BuildProblem::MissingHandler {
                    event: event.name.to_owned(),
                    declared: catalog::origin(schema, event.module, event.line),
                }),
                Some([handler]) => {
                    let timeout_ms = self
                        .config
                        .event_timeouts_ms
                        .get(event.name)
                        .copied()
                        .or(event.timeout_ms)
                        .unwrap_or(self.config.default_timeout_ms);
                    let input = event.input.and_then(|name| schema.message(name));
                    routes.insert(
                        event.name.as_bytes(),
                        Route {
                            name: event.name,
                            event,
                            handler: Arc::clone(handler),
                            timeout: Duration::from_millis(timeout_ms),
                            nesting: pipeline::walk_descriptor(input.as_ref()),
                        },
                    );
                }
                Some(many) => problems.push(BuildProblem::DuplicateHandler {
                    event: event.name.to_owned(),
                    count: many.len(),
                }),
            }
        }
        let runtime = match self.runtime.or_else(|| Handle::try_current().ok()) {
            Some(r) => Some(r),
            None => {
                problems.push(BuildProblem::NoRuntime);
                None
            }
        };
        match runtime {
            Some(runtime) if problems.is_empty() => {
                let catalog = Arc::new(catalog);
                Ok(Dispatcher {
                    inner: Arc::new(Inner {
                        in_flight: InFlight::new(self.config.max_in_flight),
                        config: self.config,
                        routes,
                        ready: AtomicBool::new(self.ready),
                        center: Arc::new(NotificationCenter::new(Arc::clone(&catalog))),
                        catalog,
                        schemas: self.schemas,
                        runtime,
                    }),
                })
            }
            _ => Err(BuildError { problems }),
        }
    }
}

impl Capabilities {
    /// Each pattern that names a module or event none of `dispatcher`'s schemas declares. Such a pattern is
    /// valid and matches nothing (SPEC.md REQ-CAP-2); transports warn about it, as it is often a
    /// typo.
    pub fn unknown_patterns(&self, dispatcher: &Dispatcher) -> Vec<String> {
        self.unknown_patterns_in(
            |m| dispatcher.declares_module(m),
            |e| dispatcher.event(e).map(|e| e.module),
        )
    }
}

impl Dispatcher {
    /// The warning every transport prints when it starts, one per capability pattern that names
    /// no module or event of this dispatcher: of its configuration, then of `more` (the sets a
    /// transport adds, such as the stdio host's `--capabilities`). Such a pattern is valid and
    /// matches nothing (SPEC.md REQ-CAP-2), but is often a typo.
    pub fn capability_warnings<'a>(
        &'a self,
        more: impl IntoIterator<Item = &'a Capabilities>,
    ) -> Vec<String> {
        std::iter::once(&self.config().capabilities)
            .chain(more)
            .flat_map(|c| c.unknown_patterns(self))
            .map(|p| {
                format!(
                    "capability pattern `{p}` names no module or event of this backend; it matches nothing"
                )
            })
            .collect()
    }
}

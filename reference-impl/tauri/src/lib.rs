//! Eventwire for Tauri 2: the plugin gives each page of each webview a *session* of an Eventwire
//! [`Dispatcher`] (SPEC.md section 13.5).
//!
//! - Requests go in as raw bytes (`plugin:eventwire|send`, an encoded `StreamFrame` as the raw
//!   body of the invoke), never as JSON; the invoke answers at once (accepted, or a `fault` frame
//!   saying why not).
//! - Responses and notifications come back on the session's one ordered `tauri::ipc::Channel`, as
//!   encoded `StreamFrame`s, so every notification a handler emitted before answering reaches the
//!   page before the answer (SPEC.md section 9.3).
//! - A request carries an id and an optional deadline; a `cancel` frame ends it with `CANCELLED`
//!   and drops the handler.
//! - Each webview has an Eventwire capability set ([`Builder::capabilities`]), on top of Tauri's
//!   own permission to call the plugin's commands (`permissions/`).
//! - When the page reloads or navigates, or its window closes, the page's sessions end: their
//!   requests in flight are cancelled, nothing more is sent to the old page, and a request that
//!   reaches the plugin again (Tauri re-sends an in-flight invoke after a reload) is refused
//!   instead of run a second time.
//! - The AppFlowy-compatible JSON command `invoke_request` (`{ty, payload: [..]}`) is kept.
//!
//! ```
//! use eventwire::{Capabilities, Dispatcher};
//! use tauri::{Runtime, plugin::TauriPlugin};
//!
//! /// The plugin for an app's dispatcher: the `main` webview may call the to-do events only.
//! fn eventwire<R: Runtime>(dispatcher: Dispatcher) -> TauriPlugin<R> {
//!     tauri_plugin_eventwire::Builder::new(dispatcher)
//!         .capabilities("main", Capabilities::from_patterns(["todo.*"]).unwrap())
//!         .build()
//! }
//! // In the app's setup: `app.handle().plugin(eventwire(dispatcher))?;`
//! ```
//!
//! The page side is the Tauri transport of `@eventwire/client` (`docs/tauri.md`).

mod commands;
mod state;

use eventwire::{Capabilities, Dispatcher, SessionConfig};
use tauri::{
    Manager, RunEvent, Runtime, WindowEvent,
    plugin::{Builder as PluginBuilder, TauriPlugin},
    webview::PageLoadEvent,
};

pub use state::{CloseReason, Eventwire, Stats};

/// The plugin's name: its commands are `plugin:eventwire|<command>`.
pub const PLUGIN_NAME: &str = "eventwire";

/// The header of a `send` invoke that names the session.
pub const SESSION_HEADER: &str = "eventwire-session";

/// Configures the plugin.
pub struct Builder {
    dispatcher: Dispatcher,
    capabilities: Vec<(String, Capabilities)>,
    default_capabilities: Option<Capabilities>,
    session: SessionConfig,
}

impl Builder {
    /// The plugin serving `dispatcher` (built by the application, with its schema and handlers).
    pub fn new(dispatcher: Dispatcher) -> Self {
        Builder {
            dispatcher,
            capabilities: Vec::new(),
            default_capabilities: None,
            session: SessionConfig::new(),
        }
    }

    /// The events the pages of the webview labelled `webview` may call (SPEC.md section 12). A
    /// webview without its own set gets [`default_capabilities`](Self::default_capabilities),
    /// or, without those, the dispatcher's configured set.
    pub fn capabilities(mut self, webview: impl Into<String>, capabilities: Capabilities) -> Self {
        self.capabilities.push((webview.into(), capabilities));
        self
    }

    /// The events the pages of any webview without its own set may call.
    pub fn default_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.default_capabilities = Some(capabilities);
        self
    }

    /// Options of every session (notification queue bounds; capabilities are set per webview).
    pub fn session_config(mut self, config: SessionConfig) -> Self {
        self.session = config;
        self
    }

    pub fn build<R: Runtime>(self) -> TauriPlugin<R> {
        let state = Eventwire::new(
            self.dispatcher,
            self.capabilities.into_iter().collect(),
            self.default_capabilities,
            self.session,
        );
        PluginBuilder::new(PLUGIN_NAME)
            .invoke_handler(tauri::generate_handler![
                commands::connect,
                commands::send,
                commands::disconnect,
                commands::invoke_request
            ])
            .setup(move |app, _api| {
                app.manage(state);
                Ok(())
            })
            .on_page_load(|webview, payload| {
                // A reload or a navigation starts a new page: the old page's sessions end before
                // the new page can run a line of script (SPEC.md REQ-LIFE-1).
                if payload.event() == PageLoadEvent::Started {
                    if let Some(state) = webview.try_state::<Eventwire>() {
                        state.close_webview(webview.label(), CloseReason::PageLoad);
                    }
                }
            })
            .on_event(|app, event| match event {
                RunEvent::WindowEvent {
                    label,
                    event: WindowEvent::Destroyed,
                    ..
                } => {
                    if let Some(state) = app.try_state::<Eventwire>() {
                        state.close_window(label);
                    }
                }
                RunEvent::Exit => {
                    if let Some(state) = app.try_state::<Eventwire>() {
                        state.close_all();
                    }
                }
                _ => {}
            })
            .build()
    }
}

/// The plugin with every webview getting the dispatcher's configured capability set.
pub fn init<R: Runtime>(dispatcher: Dispatcher) -> TauriPlugin<R> {
    Builder::new(dispatcher).build()
}

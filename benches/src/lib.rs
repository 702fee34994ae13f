//! Shared set-up for Eventwire's benchmarks (`cargo bench -p eventwire-bench`).
//!
//! Every figure is measured next to a baseline in the same run, because absolute timings on a
//! shared machine say little; `docs/PERFORMANCE.md` reports the ratios. Each benchmark also runs
//! once under `cargo test` (divan's test mode) as a smoke check: [`bench_mode`] lets the long
//! ones shrink their work there.

use std::{
    future::Future,
    path::PathBuf,
    pin::pin,
    process::Command,
    sync::{Arc, Mutex},
    task::{Context as TaskContext, Poll, Waker},
};

use eventwire::{Context, Dispatcher, FlowyError};
use eventwire_sample_app::{Documents, Users, handlers, handlers::user::UserHandlers};
use pb::FfiRequest;

/// The messages the benchmarks use: the protocol's, the sample application's and the conformance
/// module's, under one path.
pub mod pb {
    pub use eventwire::pb::*;
    pub use eventwire_conformance_module::pb::*;
    pub use eventwire_sample_app::pb::*;
}
use prost::Message;
use tokio::runtime::Runtime;

/// Whether the process runs as a benchmark (`cargo bench`) rather than once as a test.
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The runtime the benchmarked dispatchers run on: multi-threaded, as the C ABI and the stdio
/// host use it.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A dispatcher with the sample application and the conformance module, on `rt`.
pub fn dispatcher(rt: &Runtime) -> Dispatcher {
    eventwire_sample_app::mount(Dispatcher::builder())
        .mount(eventwire_conformance_module::module())
        .runtime(rt.handle().clone())
        .build()
        .expect("the reference dispatcher builds")
}

/// An encoded `FFIRequest`.
pub fn request(event: &str, payload: &impl Message) -> Vec<u8> {
    FfiRequest {
        event: event.to_owned(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec()
}

/// Runs `future` to completion the cheapest way: one poll, and only if that does not finish
/// it, `rt.block_on`. For a future that completes on its first poll this measures the future
/// itself, not an executor. The caller holds `rt.enter()` around its loop, as code running in a
/// tokio task is inside its runtime's context already.
pub fn poll_now<F: Future>(rt: &Runtime, future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
        return output;
    }
    rt.block_on(future)
}

/// The sample application's user handlers, called directly: the floor of benchmark (a) runs the
/// very handler code the dispatcher runs, with the same [`Context`] type, minus the dispatcher.
pub struct DirectUsers {
    pub users: Arc<Users>,
    pub cx: Context,
    /// Keeps the notification center the context emits into alive.
    _dispatcher: Dispatcher,
}

impl DirectUsers {
    /// Builds a dispatcher whose user plugin hands out the `Context` of its first request, so
    /// the floor can call `Users::sign_in` with a real context (same notifier, no subscribers).
    pub fn new(rt: &Runtime) -> Self {
        struct Capturing {
            users: Arc<Users>,
            cx: Arc<Mutex<Option<Context>>>,
        }
        impl UserHandlers for Capturing {
            async fn sign_in(
                &self,
                cx: &Context,
                input: pb::SignInPayloadPb,
            ) -> Result<pb::UserProfilePb, FlowyError> {
                *self.cx.lock().unwrap() = Some(cx.clone());
                self.users.sign_in(cx, input).await
            }
            async fn get_user_profile(
                &self,
                cx: &Context,
            ) -> Result<pb::UserProfilePb, FlowyError> {
                self.users.get_user_profile(cx).await
            }
            async fn update_user_profile(
                &self,
                cx: &Context,
                input: pb::UpdateUserProfilePayloadPb,
            ) -> Result<pb::UserProfilePb, FlowyError> {
                self.users.update_user_profile(cx, input).await
            }
            async fn sign_out(&self, cx: &Context) -> Result<(), FlowyError> {
                self.users.sign_out(cx).await
            }
        }
        let users = Arc::new(Users::default());
        let cx = Arc::new(Mutex::new(None));
        let dispatcher = Dispatcher::builder()
            .runtime(rt.handle().clone())
            .mount(handlers::user::Module(Capturing {
                users: Arc::clone(&users),
                cx: Arc::clone(&cx),
            }))
            .mount(handlers::document::Module(Documents::default()))
            .mount(eventwire_conformance_module::module())
            .build()
            .expect("the capturing dispatcher builds");
        let response = rt.block_on(dispatcher.dispatch(&request("SignIn", &sign_in_payload())));
        let response = pb::FfiResponse::decode(response.as_slice()).expect("a response");
        assert_eq!(
            response.code,
            pb::FfiStatusCode::Ok as i32,
            "SignIn succeeds"
        );
        let cx = cx.lock().unwrap().take().expect("the handler ran");
        DirectUsers {
            users,
            cx,
            _dispatcher: dispatcher,
        }
    }
}

/// The small event of benchmark (a).
pub fn sign_in_payload() -> pb::SignInPayloadPb {
    pb::SignInPayloadPb {
        email: "ada@example.org".into(),
        password: "correct horse battery staple".into(),
        name: "Ada Lovelace".into(),
    }
}

/// The path of binary `bin` of workspace package `package`, built (or found up to date) in the
/// profile this benchmark runs in: `cargo bench` cannot depend on another package's binary, so
/// it is built on demand. `EVENTWIRE_BENCH_<BIN>` (upper case, `-` as `_`) overrides the path.
pub fn built_binary(package: &str, bin: &str) -> PathBuf {
    let var = format!(
        "EVENTWIRE_BENCH_{}",
        bin.to_ascii_uppercase().replace('-', "_")
    );
    if let Some(path) = std::env::var_os(&var) {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/<this benchmark> -> target/<profile>
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a benchmark runs from target/<profile>/deps")
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        build.arg("--release");
    }
    if let Some(target_dir) = profile_dir.parent() {
        build.arg("--target-dir").arg(target_dir);
    }
    build.current_dir(env!("CARGO_MANIFEST_DIR"));
    // Captured, so that compiler output does not interleave with the benchmark table.
    let output = build
        .output()
        .unwrap_or_else(|e| panic!("running cargo to build {bin}: {e}"));
    assert!(
        output.status.success(),
        "cargo could not build {bin} ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let path = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} was not built", path.display());
    path
}

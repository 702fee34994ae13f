//! What the fuzz targets share: a panic hook that lets the deliberate panics through, and one
//! runtime per process.

use std::sync::{Once, OnceLock};

/// The conformance module's `Panic` event panics on purpose and the dispatcher must answer it
/// with INTERNAL; every other panic is a bug, and libFuzzer's hook aborts on it.
pub fn allow_deliberate_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let deliberate = info.location().is_some_and(|l| l.file().ends_with("handlers/conformance.rs"));
            if !deliberate {
                abort_hook(info);
            }
        }));
    });
}

/// A current-thread runtime whose clock is paused, so `Sleep` and deadlines cost no wall time.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime")
    })
}

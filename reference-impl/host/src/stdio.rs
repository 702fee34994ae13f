//! Standard output as the stream's output: learning that nobody can read it any more.
//!
//! A writer only learns that a pipe's read end is closed when it writes; a host with requests in
//! flight and nothing to write (a long `Sleep`, say) would otherwise wait for them after its front
//! end has gone. [`output_gone`] watches standard output for the hang-up the operating system
//! reports (POLLERR for a pipe whose reader closed it, POLLHUP for a terminal or socket), so that
//! the host can cancel what runs and exit (SPEC.md REQ-TRANS-STREAM-12).

use std::future::Future;

/// Completes once standard output reports an error or hang-up; never, where that cannot be
/// watched (a regular file, or a platform without `poll`).
pub fn output_gone() -> impl Future<Output = ()> + Send + 'static {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    // A thread of its own: the wait is one blocking `poll` that lasts as long as the connection,
    // and the process exits without joining it.
    let spawned = std::thread::Builder::new()
        .name("eventwire-stdout-watch".into())
        .spawn(move || {
            if wait_for_hang_up() {
                let _ = tx.send(());
            }
        });
    async move {
        if spawned.is_err() || rx.await.is_err() {
            // Not watched: wait for the connection to end another way.
            std::future::pending::<()>().await;
        }
    }
}

/// Blocks until standard output reports an error or hang-up (`true`), or returns `false` when it
/// cannot be watched.
#[cfg(unix)]
fn wait_for_hang_up() -> bool {
    loop {
        // No events asked for: poll reports POLLERR, POLLHUP and POLLNVAL whatever is asked, and
        // nothing else, so this returns only on one of them.
        let mut fd = libc::pollfd {
            fd: libc::STDOUT_FILENO,
            events: 0,
            revents: 0,
        };
        // SAFETY: `fd` is one valid pollfd, and the count passed is 1.
        let n = unsafe { libc::poll(&mut fd, 1, -1) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return false;
        }
        if fd.revents & libc::POLLNVAL != 0 {
            return false;
        }
        if fd.revents & (libc::POLLERR | libc::POLLHUP) != 0 {
            return true;
        }
    }
}

#[cfg(not(unix))]
fn wait_for_hang_up() -> bool {
    false
}

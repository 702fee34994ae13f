//! A testee in a child process, spoken to over its stdin and stdout.

use std::{
    io::Read,
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread,
    time::Duration,
};

use super::{Fault, Testee};
use crate::framing;

/// How much of the testee's stderr is kept, to show when it crashes.
const STDERR_TAIL: usize = 4096;

/// A testee command line, started with `sh -c` so that it may hold arguments and quoting.
pub struct Process {
    command: String,
    running: Option<Running>,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    frames: mpsc::Receiver<Result<Vec<u8>, String>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Signalled (by dropping the sender) once stderr reached its end: after that the tail is
    /// complete.
    stderr_done: mpsc::Receiver<()>,
}

/// How long the runner waits for a testee that closed its output to exit, and for its stderr
/// to end, before it stops the testee itself. Waiting for the events, bounded: a testee that
/// exits promptly is never kept waiting for this long.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Reads one frame from the testee's stdout; text where a frame should be is reported as text.
fn read_answer(stdout: &mut impl Read) -> Result<Option<Vec<u8>>, String> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match stdout.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => {
                return Err(format!(
                    "it ended its output inside a frame's length ({})",
                    shown(&len[..got])
                ));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("unreadable output: {e}")),
        }
    }
    let n = u32::from_le_bytes(len) as usize;
    if n > framing::MAX_FRAME || len.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        // Most likely text: show it as text, with whatever follows at once.
        let mut more = [0u8; 256];
        let extra = stdout.read(&mut more).unwrap_or(0);
        let mut text = len.to_vec();
        text.extend_from_slice(&more[..extra]);
        if n > framing::MAX_FRAME || std::str::from_utf8(&text).is_ok() {
            return Err(format!(
                "it wrote {} on its stdout, where only length-prefixed frames may go (logs belong on stderr)",
                shown(&text)
            ));
        }
        return Err(format!(
            "it wrote a frame of {n} bytes, over the {} limit",
            framing::MAX_FRAME
        ));
    }
    let mut body = vec![0u8; n];
    std::io::Read::read_exact(stdout, &mut body)
        .map_err(|e| format!("it ended its output inside a frame of {n} bytes ({e})"))?;
    Ok(Some(body))
}

/// Bytes for a human: as text when they are text, else as hex.
fn shown(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text)
            if !text.is_empty()
                && !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') =>
        {
            format!("the text {:?}", text.trim_end())
        }
        _ => format!("the bytes {}", hex::encode(bytes)),
    }
}

/// The exit status in words, 127 and 126 (the shell's "not found" and "not executable") included.
fn describe_status(status: std::process::ExitStatus, stopped_by_runner: bool) -> String {
    use std::os::unix::process::ExitStatusExt;
    if stopped_by_runner {
        return "the runner stopped it".into();
    }
    match (status.code(), status.signal()) {
        (Some(127), _) => "exit status 127: command not found (check --testee)".into(),
        (Some(126), _) => "exit status 126: the command is not executable".into(),
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => format!(
            "killed by signal {sig}{}",
            if sig == 6 {
                " (SIGABRT: it aborted)"
            } else if sig == 11 {
                " (SIGSEGV)"
            } else {
                ""
            }
        ),
        (None, None) => status.to_string(),
    }
}

impl Process {
    /// Starts `command`.
    pub fn start(command: &str) -> Result<Process, String> {
        let mut p = Process {
            command: command.to_owned(),
            running: None,
        };
        p.spawn()?;
        Ok(p)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {}", self.command))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", self.command))?;
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = child.stdout.take().expect("piped");
        let mut err_pipe = child.stderr.take().expect("piped");
        let (tx, frames) = mpsc::channel();
        thread::spawn(move || {
            loop {
                let frame = match read_answer(&mut stdout) {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => Err("it closed its output".to_owned()),
                    Err(e) => Err(e),
                };
                let end = frame.is_err();
                if tx.send(frame).is_err() || end {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let tail = stderr.clone();
        let (done, stderr_done) = mpsc::channel::<()>();
        thread::spawn(move || {
            let _done = done;
            let mut buf = [0u8; 1024];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    return;
                }
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                t.extend_from_slice(&buf[..n]);
                if t.len() > STDERR_TAIL {
                    let cut = t.len() - STDERR_TAIL;
                    t.drain(..cut);
                }
            }
        });
        self.running = Some(Running {
            child,
            stdin,
            frames,
            stderr,
            stderr_done,
        });
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(mut r) = self.running.take() {
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }

    /// What the dead child said on its way out.
    fn obituary(&mut self, why: String) -> String {
        let Some(mut r) = self.running.take() else {
            return why;
        };
        // Its stderr ends when it exits (it was started with `exec`): wait for that, bounded, so
        // that the tail is complete however quickly it died; then reap it.
        let _ = r.stderr_done.recv_timeout(EXIT_GRACE);
        // Then wait for the exit itself (it follows the end of stderr by moments), bounded; a
        // testee still alive after that is stopped, and said to be.
        let started = std::time::Instant::now();
        let mut stopped = false;
        let status = loop {
            match r.child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) if started.elapsed() < EXIT_GRACE => {
                    thread::sleep(Duration::from_millis(1))
                }
                _ => {
                    stopped = true;
                    let _ = r.child.kill();
                    break r.child.wait().ok();
                }
            }
        };
        let tail = String::from_utf8_lossy(&r.stderr.lock().unwrap_or_else(|e| e.into_inner()))
            .trim()
            .to_owned();
        let mut text = why;
        match status {
            Some(s) => text.push_str(&format!(" ({})", describe_status(s, stopped))),
            None if stopped => text.push_str(" (it did not exit; the runner stopped it)"),
            None => {}
        }
        if !tail.is_empty() {
            text.push_str(&format!("; its stderr ends with:\n{tail}"));
        }
        text
    }
}

impl Testee for Process {
    fn exchange(&mut self, request: &[u8], timeout: Duration) -> Result<Vec<u8>, Fault> {
        let Some(r) = self.running.as_mut() else {
            return Err(Fault::Crashed("it is not running".into()));
        };
        if let Err(e) = eventwire::framing::write_frame(&mut r.stdin, request) {
            // A testee that wrote text and exited before reading (`echo hello`) breaks the pipe;
            // what it wrote says more than the broken pipe, and the reader has it (or has the
            // end of its output) by the time it is gone. Its output is waited for as long as an
            // answer would be (the case's deadline, not a shorter grace), so that a loaded machine
            // that is slow to schedule the reader does not turn the text into "broken pipe".
            let why = match r.frames.recv_timeout(timeout) {
                Ok(Err(why)) if why != "it closed its output" => why,
                _ => format!("cannot write to it: {e}"),
            };
            let why = self.obituary(why);
            return Err(Fault::Crashed(why));
        }
        match r.frames.recv_timeout(timeout) {
            Ok(Ok(frame)) => Ok(frame),
            Ok(Err(why)) => Err(Fault::Crashed(self.obituary(why))),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.stop();
                Err(Fault::Hung(timeout))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(Fault::Crashed(self.obituary("it closed its output".into())))
            }
        }
    }

    fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.spawn()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Closing stdin asks the testee to exit; give it a moment, then make sure.
        if let Some(mut r) = self.running.take() {
            drop(r.stdin);
            for _ in 0..100 {
                if let Ok(Some(_)) = r.child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(2));
            }
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }
}

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
}

impl Process {
    /// Starts `command`.
    pub fn start(command: &str) -> Result<Process, String> {
        let mut p = Process { command: command.to_owned(), running: None };
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
                let frame = match framing::read_frame(&mut stdout) {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => Err("it closed its output".to_owned()),
                    Err(e) => Err(format!("unreadable output: {e}")),
                };
                let end = frame.is_err();
                if tx.send(frame).is_err() || end {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let tail = stderr.clone();
        thread::spawn(move || {
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
        self.running = Some(Running { child, stdin, frames, stderr });
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
        let Some(mut r) = self.running.take() else { return why };
        // Give the process a moment to finish exiting, then reap it either way.
        let mut status = None;
        for _ in 0..50 {
            if let Ok(Some(s)) = r.child.try_wait() {
                status = Some(s);
                break;
            }
            thread::sleep(Duration::from_millis(2));
        }
        if status.is_none() {
            let _ = r.child.kill();
            status = r.child.wait().ok();
        }
        let tail = String::from_utf8_lossy(&r.stderr.lock().unwrap_or_else(|e| e.into_inner())).trim().to_owned();
        let mut text = why;
        if let Some(s) = status {
            text.push_str(&format!(" ({s})"));
        }
        if !tail.is_empty() {
            text.push_str(&format!("; its stderr ends with:\n{tail}"));
        }
        text
    }
}

impl Testee for Process {
    fn exchange(&mut self, request: &[u8], timeout: Duration) -> Result<Vec<u8>, Fault> {
        let Some(r) = self.running.as_mut() else { return Err(Fault::Crashed("it is not running".into())) };
        if let Err(e) = framing::write_frame(&mut r.stdin, request) {
            let why = self.obituary(format!("cannot write to it: {e}"));
            return Err(Fault::Crashed(why));
        }
        match r.frames.recv_timeout(timeout) {
            Ok(Ok(frame)) => Ok(frame),
            Ok(Err(why)) => Err(Fault::Crashed(self.obituary(why))),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.stop();
                Err(Fault::Hung(timeout))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Fault::Crashed(self.obituary("it closed its output".into()))),
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

//! Counts kept on the Rust side of the self-test (handler starts, cancellations seen by
//! handlers, bare command runs), and a way to wait for a count without polling or sleeping.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
};

use tokio::sync::Notify;

#[derive(Default)]
pub struct Probe {
    counts: Mutex<HashMap<String, u64>>,
    changed: Notify,
}

impl Probe {
    fn counts(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds one to `key`'s count and wakes whoever waits.
    pub fn add(&self, key: &str) -> u64 {
        let n = {
            let mut counts = self.counts();
            let n = counts.entry(key.to_owned()).or_default();
            *n += 1;
            *n
        };
        self.changed.notify_waiters();
        n
    }

    pub fn get(&self, key: &str) -> u64 {
        self.counts().get(key).copied().unwrap_or(0)
    }

    pub fn all(&self) -> HashMap<String, u64> {
        self.counts().clone()
    }

    /// Returns once `key`'s count is at least `count`.
    pub async fn wait(&self, key: &str, count: u64) -> u64 {
        loop {
            // Registered before the check, so an `add` between the check and the wait is seen.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let n = self.get(key);
            if n >= count {
                return n;
            }
            changed.await;
        }
    }
}

//! The in-flight limit: a counter, not a queue, so a request over the limit is refused at once.

use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) struct InFlight {
    count: AtomicUsize,
    max: usize,
}

/// One admitted request; dropping it (however the request ends) frees its place.
pub(crate) struct Admitted<'a>(&'a AtomicUsize);

impl InFlight {
    pub(crate) fn new(max: usize) -> Self {
        InFlight {
            count: AtomicUsize::new(0),
            max,
        }
    }

    pub(crate) fn try_admit(&self) -> Option<Admitted<'_>> {
        self.count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Admitted(&self.count))
    }

    pub(crate) fn current(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

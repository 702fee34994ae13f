//! Accounting: which requests were sent and answered, so that a lost or duplicated response,
//! a response for an id never sent, or a wrong outcome is counted, not missed.

use std::sync::{
    Mutex,
    atomic::{AtomicU8, AtomicU64, Ordering::SeqCst},
};

use eventwire::ErrorCode;

use crate::mix::{self, Kind};

const UNSENT: u8 = 0;
const SENT: u8 = 1;
const ANSWERED: u8 = 2;

/// Shared by the sending side and the receiving side (which may be another thread).
pub struct Ledger {
    state: Vec<AtomicU8>,
    pub sent: AtomicU64,
    pub received: AtomicU64,
    pub duplicated: AtomicU64,
    pub unknown_id: AtomicU64,
    pub wrong_outcome: AtomicU64,
    pub malformed_response: AtomicU64,
    pub overloaded: AtomicU64,
    pub notifications: AtomicU64,
    pub faults: AtomicU64,
    first_problem: Mutex<Option<String>>,
}

impl Ledger {
    /// A ledger for ids 1..=`capacity`.
    pub fn new(capacity: u64) -> Ledger {
        Ledger {
            state: (0..=capacity).map(|_| AtomicU8::new(UNSENT)).collect(),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            duplicated: AtomicU64::new(0),
            unknown_id: AtomicU64::new(0),
            wrong_outcome: AtomicU64::new(0),
            malformed_response: AtomicU64::new(0),
            overloaded: AtomicU64::new(0),
            notifications: AtomicU64::new(0),
            faults: AtomicU64::new(0),
            first_problem: Mutex::new(None),
        }
    }

    /// Call before the request leaves, so that a fast response finds it.
    pub fn sending(&self, id: u64) {
        self.state[id as usize].store(SENT, SeqCst);
        self.sent.fetch_add(1, SeqCst);
    }

    /// Requests sent and not answered yet.
    pub fn outstanding(&self) -> u64 {
        self.sent
            .load(SeqCst)
            .saturating_sub(self.received.load(SeqCst))
    }

    /// Waits until fewer than `window` requests are outstanding, or until `deadline`; false when
    /// the deadline has passed, so the caller stops sending.
    pub fn wait_for_window(&self, window: u64, deadline: std::time::Instant) -> bool {
        while self.outstanding() >= window {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
        std::time::Instant::now() < deadline
    }

    /// Records the response for `id`.
    pub fn response(&self, id: u64, response: &[u8]) {
        let Some(state) = self.state.get(id as usize) else {
            self.unknown_id.fetch_add(1, SeqCst);
            return self.problem(format!("response for id {id}, never sent"));
        };
        match state.compare_exchange(SENT, ANSWERED, SeqCst, SeqCst) {
            Ok(_) => {
                self.received.fetch_add(1, SeqCst);
            }
            Err(ANSWERED) => {
                self.duplicated.fetch_add(1, SeqCst);
                return self.problem(format!("second response for id {id}"));
            }
            Err(_) => {
                self.unknown_id.fetch_add(1, SeqCst);
                return self.problem(format!("response for id {id}, never sent"));
            }
        }
        match mix::outcome(response) {
            Ok(outcome) => {
                if outcome == Some(ErrorCode::Overloaded as i32) {
                    self.overloaded.fetch_add(1, SeqCst);
                }
                let kind = self.kind(id);
                if !mix::accepts(kind, outcome) {
                    self.wrong_outcome.fetch_add(1, SeqCst);
                    self.problem(format!("id {id} ({kind:?}) answered {outcome:?}"));
                }
            }
            Err(e) => {
                self.malformed_response.fetch_add(1, SeqCst);
                self.problem(format!("id {id}: {e}"));
            }
        }
    }

    /// The kind of request `id`; the final check request (beyond the mix) is a Ping.
    fn kind(&self, id: u64) -> Kind {
        if id as usize == self.state.len() - 1 {
            Kind::Ping
        } else {
            mix::kind_of(id)
        }
    }

    /// Sent and never answered.
    pub fn lost(&self) -> u64 {
        self.state.iter().filter(|s| s.load(SeqCst) == SENT).count() as u64
    }

    pub fn problem(&self, text: String) {
        self.first_problem.lock().unwrap().get_or_insert(text);
    }

    pub fn first_problem(&self) -> Option<String> {
        self.first_problem.lock().unwrap().clone()
    }
}

//! Locking that survives a panic.
//!
//! A handler's panic is caught and answered `INTERNAL` (SPEC.md section 8.3), and a transport
//! catches panics at its boundary (the C ABI, REQ-TRANS-CABI-2): the process goes on, so a mutex
//! that a panicking thread held must stay usable. The runtime, the transports and the sample
//! application lock through [`lock`], which ignores poisoning; it is sound for data that no
//! critical section leaves half-updated, which is how every mutex they lock this way is used.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, ignoring poisoning: a holder's panic leaves the data as it was at the panic, which
/// must be a consistent state (no critical section may panic between two related writes).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_mutex_is_still_locked_and_keeps_its_data() {
        let m = Mutex::new(1);
        let poisoned = std::panic::catch_unwind(|| {
            let mut guard = m.lock().unwrap();
            *guard = 2;
            panic!("while holding the lock");
        });
        assert!(poisoned.is_err());
        assert!(m.is_poisoned());
        assert_eq!(*lock(&m), 2);
    }
}

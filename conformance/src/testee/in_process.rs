//! A testee in the runner's own process: the built-in reference implementation.
//!
//! Requests and answers still travel encoded, exactly as they would through a pipe, so the
//! built-in run exercises the same codec as an external testee.

use std::time::Duration;

use super::{Fault, Testee};

type Handler = Box<dyn FnMut(&[u8]) -> Vec<u8> + Send>;

/// A testee that is a function from an encoded request to an encoded answer.
pub struct InProcess {
    make: Box<dyn Fn() -> Handler + Send>,
    handler: Handler,
}

impl InProcess {
    /// `make` builds a fresh handler; it is called again on restart.
    pub fn new(make: impl Fn() -> Handler + Send + 'static) -> InProcess {
        let handler = make();
        InProcess {
            make: Box::new(make),
            handler,
        }
    }
}

impl Testee for InProcess {
    fn exchange(&mut self, request: &[u8], _timeout: Duration) -> Result<Vec<u8>, Fault> {
        // Handlers of the reference catch their own panics; a panic here is the runner's bug
        // and aborting the case is the honest outcome.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.handler)(request)))
            .map_err(|_| Fault::Crashed("the in-process implementation panicked".into()))
    }

    fn restart(&mut self) -> Result<(), String> {
        self.handler = (self.make)();
        Ok(())
    }
}

//! The dispatch operation's schedule, shared by every way the reference reaches a backend: when
//! each step is sent (after every earlier step was answered, or at once when it is concurrent),
//! when cancellations fire, which notifications belong to which step, in what order the responses
//! arrived, and when the extra subscribers subscribe and read (conformance/INTERPRETING.md,
//! "Backend role").

use std::time::{Duration, Instant};

use eventwire_schema::testee_pb::{self, StepResult};

/// How long the backend may stay silent while a step is in flight before the reference gives up
/// on the case by itself. Longer than any per-case deadline of the runner (`--timeout-ms`,
/// default 10 s), so that the runner's deadline, not this bound, decides when a slow backend
/// is abandoned: 5 s here made a debug backend that printed a panic's backtrace on a loaded
/// machine fail `panic-is-internal-and-serving-continues` (1 of 9 runs).
const SILENCE: Duration = Duration::from_secs(60);

/// What a connection to a backend delivers to subscriber 0, in order.
pub enum Event {
    Notification(Vec<u8>),
    /// The encoded FFIResponse to the request sent with `id`.
    Response { id: u64, response: Vec<u8> },
}

/// Subscriber 0: the front end's connection, which sends requests and receives responses and
/// notifications on one ordered channel.
pub trait Connection {
    fn send(&mut self, id: u64, step: &testee_pb::DispatchStep) -> Result<(), String>;
    fn cancel(&mut self, id: u64) -> Result<(), String>;
    /// The next event, or `Ok(None)` if none came within `wait`.
    fn next(&mut self, wait: Duration) -> Result<Option<Event>, String>;
    /// How many requests the backend has admitted and not yet answered, when it can be observed
    /// (in process); `None` for a backend behind a transport.
    fn admitted(&mut self) -> Option<usize> {
        None
    }
}

/// The other subscribers. Called only when no step is in flight.
pub trait Subscribers {
    /// Subscribes subscriber `index` (into `BackendConfig.subscribers`).
    fn subscribe(&mut self, index: usize, config: &testee_pb::Subscriber) -> Result<(), String>;
    /// Appends everything queued for each subscribed subscriber to `results`.
    fn read(&mut self, results: &mut [testee_pb::SubscriberResult]) -> Result<(), String>;
}

/// A backend with subscriber 0 only.
pub struct NoSubscribers;

impl Subscribers for NoSubscribers {
    fn subscribe(&mut self, _: usize, _: &testee_pb::Subscriber) -> Result<(), String> {
        Err("this backend has a single subscriber".into())
    }
    fn read(&mut self, _: &mut [testee_pb::SubscriberResult]) -> Result<(), String> {
        Ok(())
    }
}

/// Step ids on the wire: step `i` is sent with id `i + 1` (0 is not a valid stream id).
fn id_of(step: usize) -> u64 {
    step as u64 + 1
}

struct Run<'a> {
    connection: &'a mut dyn Connection,
    results: Vec<StepResult>,
    answered: Vec<bool>,
    outstanding: usize,
    arrivals: u32,
    /// Notifications received since the last response.
    pending: Vec<Vec<u8>>,
    /// Cancellations not yet sent: (when, id).
    cancels: Vec<(Instant, u64)>,
    /// Steps whose request is cancelled as soon as their response arrives.
    cancel_after_answer: Vec<bool>,
}

impl Run<'_> {
    /// Handles events until no step is in flight.
    fn settle(&mut self) -> Result<(), String> {
        while self.outstanding > 0 {
            self.pump(None)?;
        }
        Ok(())
    }

    /// Handles events until the backend has admitted every request in flight, up to `limit`:
    /// an event to wait for, where the backend lets it be observed. `false` if it does not.
    fn wait_admitted(&mut self, limit: usize) -> Result<bool, String> {
        let started = Instant::now();
        loop {
            let Some(admitted) = self.connection.admitted() else { return Ok(false) };
            if admitted >= self.outstanding.min(limit) {
                return Ok(true);
            }
            if started.elapsed() > SILENCE {
                return Err(format!("the backend admitted {admitted} of {} requests within {} ms", self.outstanding, SILENCE.as_millis()));
            }
            // Receive meanwhile; wake again soon to look at the count.
            self.pump(Some(Instant::now() + Duration::from_millis(1)))?;
        }
    }

    /// Handles events until `deadline`.
    fn wait_until(&mut self, deadline: Instant) -> Result<(), String> {
        while Instant::now() < deadline {
            self.pump(Some(deadline))?;
        }
        Ok(())
    }

    /// Sends the cancellations that are due, then handles at most one event, waiting until the
    /// next cancellation, `deadline`, or (without a deadline) the backend's allowed silence.
    fn pump(&mut self, deadline: Option<Instant>) -> Result<(), String> {
        let now = Instant::now();
        let due: Vec<u64> = self.cancels.iter().filter(|(at, _)| *at <= now).map(|(_, id)| *id).collect();
        self.cancels.retain(|(at, _)| *at > now);
        for id in due {
            self.connection.cancel(id)?;
        }
        let wake = self.cancels.iter().map(|(at, _)| *at).chain(deadline).min();
        let wait = wake.map_or(SILENCE, |at| at.saturating_duration_since(now).min(SILENCE));
        match self.connection.next(wait)? {
            Some(Event::Notification(n)) => self.pending.push(n),
            Some(Event::Response { id, response }) => {
                let index = usize::try_from(id).ok().and_then(|id| id.checked_sub(1)).filter(|i| *i < self.results.len());
                let Some(index) = index else { return Err(format!("a response to unknown request id {id}")) };
                if std::mem::replace(&mut self.answered[index], true) {
                    return Err(format!("a second response to step {index}"));
                }
                self.arrivals += 1;
                let result = &mut self.results[index];
                result.response = response;
                result.notifications = std::mem::take(&mut self.pending);
                result.arrival = self.arrivals;
                self.outstanding -= 1;
                if self.cancel_after_answer[index] {
                    self.connection.cancel(id)?;
                }
            }
            None if wake.is_some_and(|at| at <= now + wait) => {}
            None => return Err(format!("no response within {} ms", SILENCE.as_millis())),
        }
        Ok(())
    }
}

/// Runs `op` over `connection` (subscriber 0) and `subscribers` (the others).
pub fn dispatch(
    op: &testee_pb::DispatchOp,
    connection: &mut dyn Connection,
    subscribers: &mut dyn Subscribers,
) -> Result<testee_pb::Dispatched, String> {
    let config = op.config.clone().unwrap_or_default();
    for s in &config.subscribers {
        match op.steps.get(s.from_step as usize) {
            None => return Err(format!("a subscriber subscribes before step {}, which does not exist", s.from_step)),
            Some(step) if step.concurrent && s.from_step > 0 => {
                return Err(format!("a subscriber subscribes before step {}, which is concurrent", s.from_step));
            }
            Some(_) => {}
        }
    }
    let mut extra = vec![testee_pb::SubscriberResult::default(); config.subscribers.len()];
    let mut run = Run {
        connection,
        results: vec![StepResult::default(); op.steps.len()],
        answered: vec![false; op.steps.len()],
        outstanding: 0,
        arrivals: 0,
        pending: Vec::new(),
        cancels: Vec::new(),
        cancel_after_answer: op.steps.iter().map(|s| s.cancel_after_answer).collect(),
    };
    let limit = if config.max_in_flight > 0 { config.max_in_flight as usize } else { usize::MAX };
    for (i, step) in op.steps.iter().enumerate() {
        if !step.concurrent || i == 0 {
            run.settle()?;
            subscribers.read(&mut extra)?;
            for (index, s) in config.subscribers.iter().enumerate().filter(|(_, s)| s.from_step as usize == i) {
                subscribers.subscribe(index, s)?;
            }
        }
        if step.delay_ms > 0 && !(step.concurrent && run.wait_admitted(limit)?) {
            run.wait_until(Instant::now() + Duration::from_millis(u64::from(step.delay_ms)))?;
        }
        run.connection.send(id_of(i), step)?;
        run.outstanding += 1;
        if step.cancel_after_ms > 0 {
            run.cancels.push((Instant::now() + Duration::from_millis(u64::from(step.cancel_after_ms)), id_of(i)));
        }
    }
    run.settle()?;
    subscribers.read(&mut extra)?;
    Ok(testee_pb::Dispatched { steps: run.results, subscribers: extra })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventwire_schema::project_pb::{self as pb, ErrorCode, FfiResponse, FlowyError, PongPb};
    use prost::Message;

    /// A backend as a loaded machine makes it: every answer comes `latency` after the request,
    /// and a cancellation that arrives before the answer wins (REQ-TIME-4).
    struct Slow {
        latency: Duration,
        pending: Vec<(u64, Instant, bool)>,
    }

    impl Connection for Slow {
        fn send(&mut self, id: u64, _: &testee_pb::DispatchStep) -> Result<(), String> {
            self.pending.push((id, Instant::now() + self.latency, false));
            Ok(())
        }
        fn cancel(&mut self, id: u64) -> Result<(), String> {
            self.pending.iter_mut().filter(|p| p.0 == id).for_each(|p| p.2 = true);
            Ok(())
        }
        fn next(&mut self, wait: Duration) -> Result<Option<Event>, String> {
            // Block like a real connection: until the next answer is due, or `wait` is over.
            let now = Instant::now();
            let due = self.pending.iter().map(|p| if p.2 { now } else { p.1 }).min();
            match due {
                Some(d) if d <= now + wait => std::thread::sleep(d.saturating_duration_since(now)),
                _ => {
                    std::thread::sleep(wait);
                    return Ok(None);
                }
            }
            let now = Instant::now();
            let i = self.pending.iter().position(|p| p.2 || p.1 <= now).expect("an answer is due");
            let (id, _, cancelled) = self.pending.remove(i);
            let response = if cancelled {
                FfiResponse { code: pb::FfiStatusCode::Err as i32, payload: FlowyError::new(ErrorCode::Cancelled, "cancelled").encode_to_vec() }
            } else {
                FfiResponse { code: 0, payload: PongPb { message: "pong".into() }.encode_to_vec() }
            };
            Ok(Some(Event::Response { id, response: response.encode_to_vec() }))
        }
    }

    /// `cancel-after-answer-is-ignored` must hold however slowly the backend answers: its
    /// cancellation is sent after the answer, not after a fixed time (issue: 30 ms after sending
    /// failed on a loaded machine).
    #[test]
    fn cancel_after_answer_holds_whatever_the_latency() {
        let case = crate::catalog::all().unwrap().into_iter().find(|c| c.name == "required/pipeline/cancel-after-answer-is-ignored").unwrap();
        let testee_pb::case::Op::Dispatch(op) = &case.op else { panic!("a dispatch case") };
        // Only the first step (Ping) matters here; the fake answers every request with Ping's.
        let op = testee_pb::DispatchOp { steps: op.steps[..1].to_vec(), config: op.config.clone() };
        let crate::case::Expect::Dispatched { steps, subscribers } = &case.expect else { panic!() };
        let expect = crate::case::Expect::Dispatched { steps: steps[..1].to_vec(), subscribers: subscribers.clone() };
        for latency in [Duration::ZERO, Duration::from_millis(100)] {
            let mut slow = Slow { latency, pending: Vec::new() };
            let dispatched = dispatch(&op, &mut slow, &mut NoSubscribers).unwrap();
            let result = testee_pb::CaseResult { result: Some(testee_pb::case_result::Result::Dispatched(dispatched)) };
            assert_eq!(crate::check::check(&expect, &result), Ok(()), "latency {latency:?}");
        }
    }
}

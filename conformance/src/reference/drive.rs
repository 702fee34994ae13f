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
    Response {
        id: u64,
        response: Vec<u8>,
    },
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
    /// For each step, the steps whose requests are cancelled as soon as its response arrives
    /// (`cancel_after_answer`: the step itself; `cancel_after_step`: an earlier one).
    cancel_on_answer: Vec<Vec<usize>>,
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
            let Some(admitted) = self.connection.admitted() else {
                return Ok(false);
            };
            if admitted >= self.outstanding.min(limit) {
                return Ok(true);
            }
            if started.elapsed() > SILENCE {
                return Err(format!(
                    "the backend admitted {admitted} of {} requests within {} ms",
                    self.outstanding,
                    SILENCE.as_millis()
                ));
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
        let due: Vec<u64> = self
            .cancels
            .iter()
            .filter(|(at, _)| *at <= now)
            .map(|(_, id)| *id)
            .collect();
        self.cancels.retain(|(at, _)| *at > now);
        for id in due {
            self.connection.cancel(id)?;
        }
        let wake = self.cancels.iter().map(|(at, _)| *at).chain(deadline).min();
        let wait = wake.map_or(SILENCE, |at| at.saturating_duration_since(now).min(SILENCE));
        match self.connection.next(wait)? {
            Some(Event::Notification(n)) => self.pending.push(n),
            Some(Event::Response { id, response }) => {
                let index = usize::try_from(id)
                    .ok()
                    .and_then(|id| id.checked_sub(1))
                    .filter(|i| *i < self.results.len());
                let Some(index) = index else {
                    return Err(format!("a response to unknown request id {id}"));
                };
                if std::mem::replace(&mut self.answered[index], true) {
                    return Err(format!("a second response to step {index}"));
                }
                self.arrivals += 1;
                let result = &mut self.results[index];
                result.response = response;
                result.notifications = std::mem::take(&mut self.pending);
                result.arrival = self.arrivals;
                self.outstanding -= 1;
                for &step in &self.cancel_on_answer[index] {
                    self.connection.cancel(id_of(step))?;
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
            None => {
                return Err(format!(
                    "a subscriber subscribes before step {}, which does not exist",
                    s.from_step
                ));
            }
            Some(step) if step.concurrent && s.from_step > 0 => {
                return Err(format!(
                    "a subscriber subscribes before step {}, which is concurrent",
                    s.from_step
                ));
            }
            Some(_) => {}
        }
    }
    let mut cancel_on_answer = vec![Vec::new(); op.steps.len()];
    for (i, step) in op.steps.iter().enumerate() {
        if step.cancel_after_answer {
            cancel_on_answer[i].push(i);
        }
        if step.cancel_after_step > 0 {
            let after = step.cancel_after_step as usize;
            if after <= i || after >= op.steps.len() {
                return Err(format!(
                    "step {i} is cancelled after step {after}, which is not a later step"
                ));
            }
            if let Some(j) = (i + 1..=after).find(|&j| !op.steps[j].concurrent) {
                // Step j would wait for this request's answer, which waits for step `after`.
                return Err(format!(
                    "step {i} is cancelled after step {after}, but step {j} is not concurrent"
                ));
            }
            cancel_on_answer[after].push(i);
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
        cancel_on_answer,
    };
    let limit = if config.max_in_flight > 0 {
        config.max_in_flight as usize
    } else {
        usize::MAX
    };
    for (i, step) in op.steps.iter().enumerate() {
        if !step.concurrent || i == 0 {
            run.settle()?;
            subscribers.read(&mut extra)?;
            for (index, s) in config
                .subscribers
                .iter()
                .enumerate()
                .filter(|(_, s)| s.from_step as usize == i)
            {
                subscribers.subscribe(index, s)?;
            }
        }
        if step.delay_ms > 0 && !(step.concurrent && run.wait_admitted(limit)?) {
            run.wait_until(Instant::now() + Duration::from_millis(u64::from(step.delay_ms)))?;
        }
        run.connection.send(id_of(i), step)?;
        run.outstanding += 1;
        if step.cancel_after_ms > 0 {
            run.cancels.push((
                Instant::now() + Duration::from_millis(u64::from(step.cancel_after_ms)),
                id_of(i),
            ));
        }
    }
    run.settle()?;
    subscribers.read(&mut extra)?;
    Ok(testee_pb::Dispatched {
        steps: run.results,
        subscribers: extra,
    })
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
            self.pending
                .push((id, Instant::now() + self.latency, false));
            Ok(())
        }
        fn cancel(&mut self, id: u64) -> Result<(), String> {
            self.pending
                .iter_mut()
                .filter(|p| p.0 == id)
                .for_each(|p| p.2 = true);
            Ok(())
        }
        fn next(&mut self, wait: Duration) -> Result<Option<Event>, String> {
            // Block like a real connection: until the next answer is due, or `wait` is over.
            let now = Instant::now();
            let due = self
                .pending
                .iter()
                .map(|p| if p.2 { now } else { p.1 })
                .min();
            match due {
                Some(d) if d <= now + wait => std::thread::sleep(d.saturating_duration_since(now)),
                _ => {
                    std::thread::sleep(wait);
                    return Ok(None);
                }
            }
            let now = Instant::now();
            let i = self
                .pending
                .iter()
                .position(|p| p.2 || p.1 <= now)
                .expect("an answer is due");
            let (id, _, cancelled) = self.pending.remove(i);
            let response = if cancelled {
                FfiResponse {
                    code: pb::FfiStatusCode::Err as i32,
                    payload: FlowyError::new(ErrorCode::Cancelled, "cancelled").encode_to_vec(),
                }
            } else {
                FfiResponse {
                    code: 0,
                    payload: PongPb {
                        message: "pong".into(),
                    }
                    .encode_to_vec(),
                }
            };
            Ok(Some(Event::Response {
                id,
                response: response.encode_to_vec(),
            }))
        }
    }

    /// A backend whose Sleeps take their time and whose other requests take `latency`: as a
    /// loaded machine makes it, the Ping after a Sleep may be decided after a short Sleep ended.
    struct Sleepy {
        latency: Duration,
        /// (id, due, the answer when due); a cancelled request is answered at once.
        pending: Vec<(u64, Instant, Vec<u8>)>,
    }

    impl Connection for Sleepy {
        fn send(&mut self, id: u64, step: &testee_pb::DispatchStep) -> Result<(), String> {
            let request =
                pb::FfiRequest::decode(step.request.as_slice()).map_err(|e| e.to_string())?;
            let (after, payload) = match request.event.as_str() {
                "Sleep" => {
                    let millis = pb::SleepPayloadPb::decode(request.payload.as_slice())
                        .map_err(|e| e.to_string())?
                        .millis;
                    (
                        Duration::from_millis(u64::from(millis)),
                        pb::SleepResultPb {
                            slept_millis: millis,
                        }
                        .encode_to_vec(),
                    )
                }
                _ => (
                    self.latency,
                    PongPb {
                        message: "pong".into(),
                    }
                    .encode_to_vec(),
                ),
            };
            let response = FfiResponse { code: 0, payload }.encode_to_vec();
            self.pending.push((id, Instant::now() + after, response));
            Ok(())
        }
        fn cancel(&mut self, id: u64) -> Result<(), String> {
            let cancelled = FfiResponse {
                code: pb::FfiStatusCode::Err as i32,
                payload: FlowyError::new(ErrorCode::Cancelled, "cancelled").encode_to_vec(),
            };
            self.pending
                .iter_mut()
                .filter(|p| p.0 == id)
                .for_each(|p| *p = (id, Instant::now(), cancelled.encode_to_vec()));
            Ok(())
        }
        fn next(&mut self, wait: Duration) -> Result<Option<Event>, String> {
            let now = Instant::now();
            let Some(i) = (0..self.pending.len()).min_by_key(|&i| self.pending[i].1) else {
                std::thread::sleep(wait);
                return Ok(None);
            };
            let due = self.pending[i].1;
            if due > now + wait {
                std::thread::sleep(wait);
                return Ok(None);
            }
            std::thread::sleep(due.saturating_duration_since(now));
            let (id, _, response) = self.pending.remove(i);
            Ok(Some(Event::Response { id, response }))
        }
    }

    /// The concurrency cases whose Sleep must outlive a later step hold however late that step
    /// is decided: the Sleep is cancelled only after its answer (`cancel_after_step`). With a
    /// Sleep of 1000 ms, as before, a Ping decided 1500 ms late was answered after it.
    #[test]
    fn concurrency_cases_hold_whatever_the_latency() {
        let names = [
            "required/concurrency/responses-as-they-complete",
            "required/concurrency/notifications-before-their-response-with-another-in-flight",
            "required/concurrency/default-limit-accepts-several",
        ];
        let cases = crate::catalog::all().unwrap();
        for name in names {
            let case = cases
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("{name}"));
            let testee_pb::case::Op::Dispatch(op) = &case.op else {
                panic!("a dispatch case")
            };
            for latency in [Duration::ZERO, Duration::from_millis(1500)] {
                let mut sleepy = Sleepy {
                    latency,
                    pending: Vec::new(),
                };
                let dispatched = dispatch(op, &mut sleepy, &mut NoSubscribers);
                if name.contains("notifications") {
                    // This fake emits no notifications: only the ordering of the answers is
                    // checked here, and the case must not hang.
                    let dispatched = dispatched.unwrap();
                    assert_eq!(
                        dispatched
                            .steps
                            .iter()
                            .map(|s| s.arrival)
                            .collect::<Vec<_>>(),
                        [2, 1],
                        "{name}, latency {latency:?}"
                    );
                    continue;
                }
                let result = testee_pb::CaseResult {
                    result: Some(testee_pb::case_result::Result::Dispatched(
                        dispatched.unwrap(),
                    )),
                };
                assert_eq!(
                    crate::check::check(&case.expect, &result),
                    Ok(()),
                    "{name}, latency {latency:?}"
                );
            }
        }
    }

    /// A `cancel_after_step` that would wait for itself is refused, not run into a hang.
    #[test]
    fn cancel_after_step_must_name_a_later_concurrent_step() {
        let step = |concurrent, cancel_after_step| testee_pb::DispatchStep {
            concurrent,
            cancel_after_step,
            ..Default::default()
        };
        for steps in [
            vec![step(false, 1), step(false, 0)],
            vec![step(false, 2), step(true, 0)],
            vec![step(false, 0), step(true, 1)],
        ] {
            let op = testee_pb::DispatchOp {
                steps,
                config: None,
            };
            let err = dispatch(
                &op,
                &mut Sleepy {
                    latency: Duration::ZERO,
                    pending: Vec::new(),
                },
                &mut NoSubscribers,
            )
            .unwrap_err();
            assert!(err.contains("cancelled after step"), "{err}");
        }
    }

    /// `cancel-after-answer-is-ignored` must hold however slowly the backend answers: its
    /// cancellation is sent after the answer, not after a fixed time (issue: 30 ms after sending
    /// failed on a loaded machine).
    #[test]
    fn cancel_after_answer_holds_whatever_the_latency() {
        let case = crate::catalog::all()
            .unwrap()
            .into_iter()
            .find(|c| c.name == "required/pipeline/cancel-after-answer-is-ignored")
            .unwrap();
        let testee_pb::case::Op::Dispatch(op) = &case.op else {
            panic!("a dispatch case")
        };
        // Only the first step (Ping) matters here; the fake answers every request with Ping's.
        let op = testee_pb::DispatchOp {
            steps: op.steps[..1].to_vec(),
            config: op.config.clone(),
        };
        let crate::case::Expect::Dispatched { steps, subscribers } = &case.expect else {
            panic!()
        };
        let expect = crate::case::Expect::Dispatched {
            steps: steps[..1].to_vec(),
            subscribers: subscribers.clone(),
        };
        for latency in [Duration::ZERO, Duration::from_millis(100)] {
            let mut slow = Slow {
                latency,
                pending: Vec::new(),
            };
            let dispatched = dispatch(&op, &mut slow, &mut NoSubscribers).unwrap();
            let result = testee_pb::CaseResult {
                result: Some(testee_pb::case_result::Result::Dispatched(dispatched)),
            };
            assert_eq!(
                crate::check::check(&expect, &result),
                Ok(()),
                "latency {latency:?}"
            );
        }
    }
}

//! The in-process transport: a `Session` of the reference dispatcher, with its one ordered
//! outbound queue drained by a thread, as a transport would.

use std::{
    sync::{Arc, atomic::Ordering::SeqCst},
    time::{Duration, Instant},
};

use eventwire::{Dispatcher, Outbound, RequestOptions, SessionConfig};

use crate::{
    Options, Report,
    ledger::Ledger,
    memory,
    mix::{self, Kind},
};

pub fn run(o: &Options) -> Result<Report, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let dispatcher = {
        let _entered = runtime.enter();
        let builder = eventwire_sample_app::reference::mount(Dispatcher::builder());
        builder.build().map_err(|e| e.to_string())?
    };
    let (session, mut outbound) = dispatcher.open_session(SessionConfig::new());
    let n = o.requests;
    let ledger = Arc::new(Ledger::new(n + 1));
    let receiver = {
        let ledger = Arc::clone(&ledger);
        std::thread::spawn(move || {
            while let Some(message) = outbound.blocking_recv() {
                match message {
                    Outbound::Response {
                        request_id,
                        response,
                    } => ledger.response(request_id, &response),
                    Outbound::Notification { .. } => {
                        ledger.notifications.fetch_add(1, SeqCst);
                    }
                }
            }
        })
    };
    let start = Instant::now();
    let deadline = start + o.max_time;
    let mut samples = Vec::new();
    for i in 1..=n {
        if !ledger.wait_for_window(o.window, deadline) {
            break;
        }
        let kind = mix::kind_of(i);
        let options = match kind {
            Kind::Timeout => RequestOptions::new().timeout(Duration::from_millis(20)),
            _ => RequestOptions::new(),
        };
        ledger.sending(i);
        session.submit(i, mix::request(kind), options);
        if kind == Kind::Cancelled {
            session.cancel(i);
        }
        if i % (n / 10).max(1) == 0 {
            samples.push(memory::peak_rss_kib("self").unwrap_or(0));
        }
    }
    let sent = ledger.sent.load(SeqCst);
    while ledger.outstanding() > 0 && Instant::now() < deadline + Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed();
    ledger.sending(n + 1);
    session.submit(n + 1, mix::request(Kind::Ping), RequestOptions::new());
    let until = Instant::now() + Duration::from_secs(30);
    while ledger.outstanding() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    let serving = ledger.lost() == 0 && dispatcher.in_flight() == 0;
    let peak = memory::peak_rss_kib("self");
    session.close();
    let ended = receiver.join().is_ok();
    drop(session);
    runtime.shutdown_timeout(Duration::from_secs(5));
    Ok(Report {
        transport: "in-process (Session API)",
        requests_sent: sent,
        malformed_frames: 0,
        elapsed,
        peak_rss_kib: peak,
        rss_samples_kib: samples,
        serving_afterwards: serving,
        clean_exit: Some(ended),
        note: String::new(),
        ledger,
    })
}

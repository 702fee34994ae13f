//! In-process dispatch: request bytes in, response bytes out.
//!
//! - `sign_in`: benchmark (a). `floor` is what the same work costs with no dispatcher at all:
//!   decode the payload, call the sample application's `sign_in` handler directly, encode its
//!   output and the response envelope. `dispatch` is `Dispatcher::dispatch` on the same request.
//! - `paths`: the unknown-event and panic answers of (a), for the record.
//! - `payload_sweep`: benchmark (e). `Discard` of a `NestedPB` whose string `b` is the payload
//!   (decode only) and `Echo` of an `AllTypesPB` whose `f_bytes` is the payload (decode and
//!   re-encode), 16 B to 1 MiB, in bytes of payload per second; `memcpy` is one copy of the
//!   payload, the unit the copies are counted in.
//! - `json`: benchmark (f). The same Ping, SignIn and 64 KiB Echo through
//!   `json_bridge::dispatch_json_str` (bytes as number arrays) against `dispatch`.

use std::future::Future;

use divan::{Bencher, black_box, counter::BytesCount};
use eventwire_bench::pb;
use eventwire_bench::{DirectUsers, dispatcher, poll_now, request, runtime, sign_in_payload};
use prost::Message;

fn main() {
    divan::main();
}

/// Payload sizes of the sweep: 16 B to 1 MiB.
const SIZES: &[usize] = &[16, 256, 4096, 65_536, 1 << 20];

mod sign_in {
    use super::*;

    #[divan::bench]
    fn floor(bencher: Bencher) {
        let rt = runtime();
        let direct = DirectUsers::new(&rt);
        let payload = sign_in_payload().encode_to_vec();
        let waker = std::task::Waker::noop();
        bencher.bench_local(|| {
            let input = pb::SignInPayloadPb::decode(black_box(payload.as_slice())).unwrap();
            let future =
                std::pin::pin!(eventwire_sample_app::handlers::user::UserHandlers::sign_in(
                    &*direct.users,
                    &direct.cx,
                    input
                ));
            let std::task::Poll::Ready(output) =
                future.poll(&mut std::task::Context::from_waker(waker))
            else {
                unreachable!("sign_in does not wait")
            };
            pb::FfiResponse {
                payload: output.unwrap().encode_to_vec(),
                code: pb::FfiStatusCode::Ok as i32,
            }
            .encode_to_vec()
        });
    }

    #[divan::bench]
    fn dispatch(bencher: Bencher) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let request = request("SignIn", &sign_in_payload());
        let _context = rt.enter();
        bencher.bench_local(|| poll_now(&rt, dispatcher.dispatch(black_box(&request))));
    }

    /// As `dispatch`, awaited through `Runtime::block_on`, as a synchronous caller would.
    #[divan::bench]
    fn dispatch_block_on(bencher: Bencher) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let request = request("SignIn", &sign_in_payload());
        bencher.bench_local(|| rt.block_on(dispatcher.dispatch(black_box(&request))));
    }
}

/// The refusal and failure paths of (a): an unknown event is answered at routing, a panicking
/// handler (the conformance module's `Panic`) is caught and answered `INTERNAL`.
mod paths {
    use super::*;

    #[divan::bench]
    fn unknown_event(bencher: Bencher) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let request = request("NoSuchEvent", &sign_in_payload());
        let _context = rt.enter();
        bencher.bench_local(|| poll_now(&rt, dispatcher.dispatch(black_box(&request))));
    }

    #[divan::bench]
    fn panic(bencher: Bencher) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let request = request(
            "Panic",
            &pb::PanicPayloadPb {
                message: "benchmark".into(),
            },
        );
        let _context = rt.enter();
        // The default hook would print every caught panic.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        bencher.bench_local(|| poll_now(&rt, dispatcher.dispatch(black_box(&request))));
        std::panic::set_hook(hook);
    }
}

mod payload_sweep {
    use super::*;

    fn discard_request(size: usize) -> Vec<u8> {
        request(
            "Discard",
            &pb::NestedPb {
                a: 7,
                b: "x".repeat(size),
            },
        )
    }

    fn echo_request(size: usize) -> Vec<u8> {
        request(
            "Echo",
            &pb::AllTypesPb {
                f_bytes: vec![0xa5; size],
                ..Default::default()
            },
        )
    }

    #[divan::bench(args = SIZES)]
    fn discard(bencher: Bencher, size: usize) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let request = discard_request(size);
        let _context = rt.enter();
        bencher
            .counter(BytesCount::new(size))
            .bench_local(|| poll_now(&rt, dispatcher.dispatch(black_box(&request))));
    }

    #[divan::bench(args = SIZES)]
    fn echo(bencher: Bencher, size: usize) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let request = echo_request(size);
        let _context = rt.enter();
        bencher
            .counter(BytesCount::new(size))
            .bench_local(|| poll_now(&rt, dispatcher.dispatch(black_box(&request))));
    }

    /// One copy of the payload into a fresh buffer: the unit copies are counted in.
    #[divan::bench(args = SIZES)]
    fn memcpy(bencher: Bencher, size: usize) {
        let source = vec![0xa5u8; size];
        bencher
            .counter(BytesCount::new(size))
            .bench_local(|| black_box(source.as_slice()).to_vec());
    }
}

mod json {
    use super::*;

    fn cases() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("Ping", Vec::new()),
            ("SignIn", sign_in_payload().encode_to_vec()),
            (
                "Echo",
                pb::AllTypesPb {
                    f_bytes: vec![0xa5; 65_536],
                    ..Default::default()
                }
                .encode_to_vec(),
            ),
        ]
    }

    const EVENTS: &[&str] = &["Ping", "SignIn", "Echo64KiB"];

    fn case(name: &str) -> (&'static str, Vec<u8>) {
        let index = EVENTS.iter().position(|e| *e == name).unwrap();
        cases().swap_remove(index)
    }

    #[divan::bench(args = EVENTS)]
    fn binary(bencher: Bencher, name: &str) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let (event, payload) = case(name);
        let request = pb::FfiRequest {
            event: event.into(),
            payload,
        }
        .encode_to_vec();
        let _context = rt.enter();
        bencher.bench_local(|| poll_now(&rt, dispatcher.dispatch(black_box(&request))));
    }

    #[divan::bench(args = EVENTS)]
    fn json(bencher: Bencher, name: &str) {
        let rt = runtime();
        let dispatcher = dispatcher(&rt);
        let (event, payload) = case(name);
        let request = serde_json::json!({"ty": event, "payload": payload}).to_string();
        let _context = rt.enter();
        bencher.bench_local(|| {
            poll_now(
                &rt,
                eventwire::json_bridge::dispatch_json_str(&dispatcher, black_box(&request)),
            )
        });
    }
}

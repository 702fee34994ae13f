//! Notification fan-out, benchmark (d): notifications per second delivered to 1 and to 100
//! subscribers (sessions), each received in order.
//!
//! One iteration emits a batch of Tick notifications through the dispatcher's `Notifier` and
//! drains every session's queue, checking that each session sees `seq` 1, 2, 3, ... and the
//! ticks in emission order. The counter is deliveries (notifications x subscribers). The
//! baseline, `channel`, is the least a queue-per-subscriber design can do: encode one
//! `SubscribeObject` per delivery and pass it through a tokio unbounded channel.

use divan::{Bencher, black_box, counter::ItemsCount};
use eventwire::{Outbound, SessionConfig};
use eventwire_bench::pb;
use eventwire_bench::{dispatcher, runtime};
use eventwire_conformance_module::notifications::Tick;
use prost::Message;

fn main() {
    divan::main();
}

/// Notifications per batch: below the default per-session bound (4096), so none is dropped.
const BATCH: u32 = 1000;

const SUBSCRIBERS: &[usize] = &[1, 100];

fn tick(index: u32) -> pb::TickPb {
    pb::TickPb {
        index,
        id: "bench".into(),
    }
}

#[divan::bench(args = SUBSCRIBERS)]
fn fan_out(bencher: Bencher, subscribers: usize) {
    let rt = runtime();
    let dispatcher = dispatcher(&rt);
    let mut sessions: Vec<_> = (0..subscribers)
        .map(|_| dispatcher.open_session(SessionConfig::new()))
        .collect();
    let notifier = dispatcher.notifier();
    let mut expected_seq = vec![1u64; subscribers];
    bencher
        .counter(ItemsCount::new(BATCH as usize * subscribers))
        .bench_local(|| {
            for index in 0..BATCH {
                notifier.notify::<Tick>("bench", &tick(index));
            }
            for ((_, receiver), next) in sessions.iter_mut().zip(&mut expected_seq) {
                for index in 0..BATCH {
                    match receiver.try_recv() {
                        Ok(Outbound::Notification {
                            seq,
                            subscribe_object,
                        }) => {
                            assert_eq!(seq, *next, "seq in order, no gap");
                            *next += 1;
                            let object = pb::SubscribeObject::decode(subscribe_object.as_slice())
                                .expect("a SubscribeObject");
                            let Some(pb::subscribe_object::PayloadOneof::Payload(payload)) =
                                object.payload_oneof
                            else {
                                panic!("a payload")
                            };
                            assert_eq!(
                                pb::TickPb::decode(payload.as_slice()).unwrap().index,
                                index
                            );
                        }
                        other => panic!("expected notification {index}, got {other:?}"),
                    }
                }
            }
        });
    for (session, receiver) in &sessions {
        assert_eq!(session.dropped_notifications(), 0);
        assert_eq!(receiver.dropped_notifications(), 0);
    }
}

/// The baseline: one encode and one channel hop per delivery, with the same in-order checks.
#[divan::bench(args = SUBSCRIBERS)]
fn channel(bencher: Bencher, subscribers: usize) {
    let mut queues: Vec<_> = (0..subscribers)
        .map(|_| tokio::sync::mpsc::unbounded_channel::<(u64, Vec<u8>)>())
        .collect();
    let mut seqs = vec![0u64; subscribers];
    let mut expected_seq = vec![1u64; subscribers];
    bencher
        .counter(ItemsCount::new(BATCH as usize * subscribers))
        .bench_local(|| {
            for index in 0..BATCH {
                let payload = tick(index).encode_to_vec();
                for ((tx, _), seq) in queues.iter().zip(&mut seqs) {
                    *seq += 1;
                    let object = pb::SubscribeObject {
                        source: "conformance".into(),
                        ty: 1,
                        id: "bench".into(),
                        payload_oneof: Some(pb::subscribe_object::PayloadOneof::Payload(
                            payload.clone(),
                        )),
                        error_oneof: None,
                        seq: *seq,
                    };
                    tx.send((*seq, object.encode_to_vec())).unwrap();
                }
            }
            for ((_, rx), next) in queues.iter_mut().zip(&mut expected_seq) {
                for index in 0..BATCH {
                    let (seq, bytes) = rx.try_recv().unwrap();
                    assert_eq!(seq, *next);
                    *next += 1;
                    let object = pb::SubscribeObject::decode(black_box(bytes.as_slice())).unwrap();
                    let Some(pb::subscribe_object::PayloadOneof::Payload(payload)) =
                        object.payload_oneof
                    else {
                        panic!("a payload")
                    };
                    assert_eq!(pb::TickPb::decode(payload.as_slice()).unwrap().index, index);
                }
            }
        });
}

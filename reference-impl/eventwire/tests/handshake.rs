//! The handshake's fingerprints and outcomes (SPEC.md section 16.5).

use eventwire::{
    Dispatcher, HandshakeOutcome,
    handshake::{canonical_event, hex},
    pb::{EventFingerprint, ModuleFingerprint, StreamHandshake},
};

fn dispatcher() -> Dispatcher {
    Dispatcher::builder()
        .mount(eventwire_conformance_module::module())
        .build()
        .expect("dispatcher")
}

/// SPEC.md section 16.5's example, written out by hand from the text of the SPEC; its SHA-256 was
/// computed with `sha256sum`, not with this crate.
const PING_CANONICAL: &str = "eventwire-fingerprint-v1\n\
event conformance Ping 905\n\
input -\n\
output eventwire.v1.PongPB\n\
errors\n\
message eventwire.v1.PongPB 0\n\
field 1 message message 1 9 - - 0\n";
const PING_SHA256: &str = "aebc1ed25ff2e6421e3bf96b972576a99594fde2c24e1ce2b8b4b2fb1a570e92";

#[tokio::test]
async fn ping_has_the_spec_examples_canonical_form_and_fingerprint() {
    let d = dispatcher();
    let schema = d.schemas()[0];
    let ping = schema.event("Ping").expect("Ping");
    assert_eq!(
        canonical_event(ping, schema.descriptor_pool()),
        PING_CANONICAL
    );
    let handshake = d.handshake();
    let event = handshake
        .modules
        .iter()
        .flat_map(|m| &m.events)
        .find(|e| e.name == "Ping")
        .expect("Ping announced");
    assert_eq!(hex(&event.fingerprint), PING_SHA256);
    assert_eq!(event.id, 905);
}

#[tokio::test]
async fn the_handshake_lists_modules_by_name_and_events_by_id() {
    let handshake = dispatcher().handshake();
    assert_eq!(handshake.protocol_version, 1);
    let names: Vec<&str> = handshake.modules.iter().map(|m| m.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for module in &handshake.modules {
        assert_eq!(module.fingerprint.len(), 32);
        assert!(
            module.events.windows(2).all(|w| w[0].id < w[1].id),
            "events of {} by id",
            module.name
        );
        assert!(module.events.iter().all(|e| e.fingerprint.len() == 32));
    }
}

#[tokio::test]
async fn every_event_of_the_conformance_module_has_its_own_fingerprint() {
    let handshake = dispatcher().handshake();
    let mut all: Vec<&Vec<u8>> = handshake
        .modules
        .iter()
        .flat_map(|m| m.events.iter().map(|e| &e.fingerprint))
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "two events with the same fingerprint");
}

fn altered(mut h: StreamHandshake, f: impl FnOnce(&mut StreamHandshake)) -> StreamHandshake {
    f(&mut h);
    h
}

#[tokio::test]
async fn outcomes() {
    let ours = dispatcher().handshake();
    assert_eq!(
        HandshakeOutcome::compare(&ours, &ours),
        HandshakeOutcome::Identical
    );

    // The backend lacks Ping and Discard: compatible, and they are named in the front end's order.
    let older = altered(ours.clone(), |h| {
        for m in &mut h.modules {
            m.events.retain(|e| e.name != "Ping" && e.name != "Discard");
            m.fingerprint = vec![0; 32];
        }
    });
    let outcome = HandshakeOutcome::compare(&ours, &older);
    let HandshakeOutcome::Compatible { missing } = &outcome else {
        panic!("{outcome:?}")
    };
    let order: Vec<&str> = ours
        .modules
        .iter()
        .flat_map(|m| &m.events)
        .map(|e| e.name.as_str())
        .filter(|n| *n == "Ping" || *n == "Discard")
        .collect();
    assert_eq!(missing, &order);
    // The backend has more: compatible, nothing missing.
    let newer = altered(ours.clone(), |h| {
        h.modules.push(ModuleFingerprint {
            name: "zzz".into(),
            fingerprint: vec![1; 32],
            events: vec![EventFingerprint {
                name: "Extra".into(),
                id: 1,
                fingerprint: vec![2; 32],
            }],
        })
    });
    assert_eq!(
        HandshakeOutcome::compare(&ours, &newer),
        HandshakeOutcome::Compatible { missing: vec![] }
    );

    // Echo differs: incompatible, naming Echo and both sides' fingerprints.
    let changed = altered(ours.clone(), |h| {
        for m in &mut h.modules {
            for e in &mut m.events {
                if e.name == "Echo" {
                    e.fingerprint = vec![7; 32];
                    m.fingerprint = vec![8; 32];
                }
            }
        }
    });
    let outcome = HandshakeOutcome::compare(&ours, &changed);
    let HandshakeOutcome::Incompatible(i) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(i.event.as_deref(), Some("Echo"));
    assert_eq!(i.backend_event_fingerprint, vec![7; 32]);
    assert_eq!(i.backend_module_fingerprint, vec![8; 32]);
    let text = i.to_string();
    assert!(
        text.contains("Echo")
            && text.contains(&hex(&[7; 32]))
            && text.contains(&hex(&i.front_end_module_fingerprint)),
        "{text}"
    );

    // Another protocol version: incompatible, without an event.
    let v2 = altered(ours.clone(), |h| h.protocol_version = 2);
    let HandshakeOutcome::Incompatible(i) = HandshakeOutcome::compare(&ours, &v2) else {
        panic!("version")
    };
    assert_eq!((i.event, i.backend_version), (None, 2));
}

/// A module holding only Ping: its canonical form and fingerprint, by hand and `sha256sum`, as
/// vectors/envelope.yaml (`streamframe-handshake-ping-module`) carries them.
#[tokio::test]
async fn a_module_of_ping_alone_has_the_hand_computed_fingerprint() {
    use eventwire::schema::{ErrorsDef, ModuleDef};
    let d = dispatcher();
    let schema = d.schemas()[0];
    let ping = *schema.event("Ping").expect("Ping");
    assert_eq!(ping.errors, ErrorsDef::Codes(&[]));
    let events: &'static [eventwire::schema::EventDef] = Box::leak(Box::new([ping]));
    let module = ModuleDef {
        name: "conformance",
        package: "eventwire.v1",
        file: "",
        events,
        notifications: &[],
    };
    let canonical = eventwire::handshake::canonical_module(&module, schema.descriptor_pool());
    assert_eq!(
        canonical,
        format!("eventwire-fingerprint-v1\nmodule conformance\nevent 905 Ping {PING_SHA256}\n")
    );
    let fp = eventwire::handshake::module_fingerprint(&module, schema.descriptor_pool());
    assert_eq!(
        hex(&fp.fingerprint),
        "08ad603cdfe8b9ee9a799372f3030355d3df2c6f8ea143397ef5f73f21940c82"
    );
}

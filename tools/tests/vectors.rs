//! Every golden vector as its own test (`vectors::<id>`), checked by opinions that do not share
//! code with the generator's encoder:
//!
//! 1. prost-reflect (`DynamicMessage` over the schema's descriptors): proto-JSON -> bytes and
//!    bytes -> proto-JSON;
//! 2. the prost types: decode -> encode gives the canonical bytes back;
//! 3. a canonical-form checker on a generic wire reader (no prost), applying SPEC.md section 6
//!    record by record;
//! 4. for the anchors, the envelopes and a sample of requests and responses: bytes written by
//!    hand, field by field, below;
//! 5. dispatch and reject cases: the reference dispatcher, in-process, byte for byte.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use eventwire::{Dispatcher, Outbound, SessionConfig, pb};
use eventwire_tools::vectors::{
    check::wire_records_match,
    codec,
    format::{Case, Config, Expect, Input, Kind, Status, VectorFile},
    hex::{from_hex, to_hex},
    outcome::{self, Observed},
    store::Store,
    typed, wire,
};
use libtest_mimic::{Arguments, Failed, Trial};
use prost::Message;
use prost_reflect::{
    Cardinality, DynamicMessage, Kind as FieldKind, MessageDescriptor, Value as DynValue,
};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn main() {
    let args = Arguments::from_args();
    let store = Store::read(&vectors_dir()).expect("vectors/ is readable");
    let (files, problems) = store.parse();
    let mut trials = Vec::new();
    trials.push(Trial::test("vectors::files-parse", move || {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n").into())
        }
    }));
    let hand = hand_written();
    let mut hand_used: Vec<String> = Vec::new();
    for (path, file) in files {
        let VectorFile { cases, .. } = file;
        for case in cases {
            let name = format!("vectors::{}", case.id);
            let kind = case.kind.name();
            let hand_bytes = hand.get(case.name.as_str()).cloned();
            if hand_bytes.is_some() {
                hand_used.push(case.name.clone());
            }
            let path = path.clone();
            trials.push(
                Trial::test(name, move || {
                    run(&case, hand_bytes.as_deref()).map_err(|e| {
                        Failed::from(format!("{path}: {} (`{}`): {e}", case.id, case.name))
                    })
                })
                .with_kind(kind),
            );
        }
    }
    // Every hand-written value must meet its case: a renamed case cannot silently drop an anchor.
    let unused: Vec<String> = hand
        .keys()
        .filter(|k| !hand_used.contains(&k.to_string()))
        .map(|k| k.to_string())
        .collect();
    trials.push(Trial::test(
        "vectors::hand-written-bytes-all-used",
        move || {
            if unused.is_empty() {
                Ok(())
            } else {
                Err(format!("hand-written bytes without a case: {unused:?}").into())
            }
        },
    ));
    libtest_mimic::run(&args, trials).exit();
}

fn run(case: &Case, hand: Option<&[u8]>) -> Result<(), String> {
    if let Some(hand) = hand {
        let hex = case
            .hex
            .as_deref()
            .ok_or("a hand-written case has no hex")?;
        if from_hex(hex).map_err(|e| e.to_string())? != hand {
            return Err(format!(
                "file bytes {hex} differ from the hand-written {}",
                to_hex(hand)
            ));
        }
    }
    match case.kind {
        Kind::Encode => encode_case(case),
        Kind::Decode => decode_case(case),
        Kind::Wire => {
            let bytes = bytes(case.hex.as_deref())?;
            let records = case.wire.as_ref().ok_or("no records")?;
            wire_records_match(records, &wire::parse(&bytes).map_err(|e| e.to_string())?)?;
            Ok(())
        }
        Kind::Request | Kind::Response | Kind::Notification => envelope_case(case),
        Kind::Dispatch => dispatch_case(case),
        Kind::Reject => reject_case(case),
    }
}

fn bytes(hex: Option<&str>) -> Result<Vec<u8>, String> {
    from_hex(hex.ok_or("no hex")?).map_err(|e| e.to_string())
}

fn desc(name: &str) -> Result<MessageDescriptor, String> {
    codec::message(name).map_err(|e| e.to_string())
}

// ---- encoding opinions ----

/// A message's canonical bytes and value must agree in every opinion.
fn message_agrees(
    ty: &str,
    value: &serde_norway::Value,
    canonical: &[u8],
    strict_maps: bool,
) -> Result<(), String> {
    let d = desc(ty)?;
    // prost-reflect: JSON -> bytes.
    let dynamic = codec::from_json(&d, value).map_err(|e| e.to_string())?;
    let reflect_bytes = dynamic.encode_to_vec();
    if reflect_bytes != canonical {
        // prost-reflect writes map entries in hash order: same value, same length, any order.
        let decoded = DynamicMessage::decode(d.clone(), canonical).map_err(|e| e.to_string())?;
        if !(has_multi_entry_map(&dynamic)
            && decoded == dynamic
            && reflect_bytes.len() == canonical.len())
        {
            return Err(format!(
                "prost-reflect encodes the value as {}, the file says {}",
                to_hex(&reflect_bytes),
                to_hex(canonical)
            ));
        }
    }
    // prost-reflect: bytes -> JSON.
    let json = codec::decode(ty, canonical).map_err(|e| e.to_string())?;
    if &json != value {
        return Err(format!(
            "prost-reflect decodes the bytes to {json:?}, the file says {value:?}"
        ));
    }
    // prost types: decode -> encode.
    if let Some(r) = typed::reencode(ty, canonical) {
        let again = r.map_err(|e| format!("prost cannot decode the bytes: {e}"))?;
        if again != canonical {
            return Err(format!("prost re-encodes the bytes as {}", to_hex(&again)));
        }
    }
    // The generic wire reader: SPEC.md's canonical rules, record by record.
    canonical_violations(&d, canonical, 1, strict_maps)
}

fn has_multi_entry_map(m: &DynamicMessage) -> bool {
    m.fields().any(|(f, v)| match v {
        DynValue::Map(map) => {
            map.len() > 1
                || map
                    .values()
                    .any(|v| matches!(v, DynValue::Message(m) if has_multi_entry_map(m)))
        }
        DynValue::Message(m) => has_multi_entry_map(m),
        DynValue::List(l) => l
            .iter()
            .any(|v| matches!(v, DynValue::Message(m) if has_multi_entry_map(m))),
        _ => {
            let _ = f;
            false
        }
    })
}

fn encode_case(case: &Case) -> Result<(), String> {
    let b = bytes(case.hex.as_deref())?;
    message_agrees(
        case.ty.as_deref().ok_or("no type")?,
        case.value.as_ref().ok_or("no value")?,
        &b,
        case.kind == Kind::Encode,
    )
}

fn decode_case(case: &Case) -> Result<(), String> {
    let ty = case.ty.as_deref().ok_or("no type")?;
    let value = case.value.as_ref().ok_or("no value")?;
    let input = bytes(case.hex.as_deref())?;
    let canonical = bytes(case.canonical_hex.as_deref())?;
    // The non-canonical input decodes to the value, in prost-reflect and in prost.
    let json = codec::decode(ty, &input).map_err(|e| e.to_string())?;
    if &json != value {
        return Err(format!(
            "prost-reflect decodes the input to {json:?}, the file says {value:?}"
        ));
    }
    if let Some(r) = typed::reencode(ty, &input) {
        let again = r.map_err(|e| format!("prost cannot decode the input: {e}"))?;
        if again != canonical {
            return Err(format!(
                "prost decodes and re-encodes the input as {}, the file says {}",
                to_hex(&again),
                to_hex(&canonical)
            ));
        }
    }
    // The generic reader reads the input (it is malformed-free, only non-canonical).
    wire::parse(&input).map_err(|e| format!("the input is not well-formed: {e}"))?;
    message_agrees(ty, value, &canonical, false)
}

/// SPEC.md section 6 on raw records: ascending numbers, each non-repeated field once, minimal
/// varints, implicit-presence defaults omitted, numeric repeated fields packed (or not, as
/// declared), map entries key then value with neither at its default, recursively.
fn canonical_violations(
    d: &MessageDescriptor,
    bytes: &[u8],
    depth: usize,
    strict_maps: bool,
) -> Result<(), String> {
    let records = wire::parse(bytes).map_err(|e| format!("depth {depth}: {e}"))?;
    let mut last = 0u32;
    for (i, r) in records.iter().enumerate() {
        let at = |m: String| format!("{} record {i} (field {}): {m}", d.full_name(), r.field);
        if !r.minimal {
            return Err(at("non-minimal varint".into()));
        }
        let Some(f) = d.get_field(r.field) else {
            return Err(at("unknown field in a canonical encoding".into()));
        };
        let repeated_record = f.is_list() || f.is_map();
        if r.field < last || (r.field == last && !repeated_record) {
            return Err(at(format!("out of order or repeated after field {last}")));
        }
        last = r.field;
        let packable = f.is_list()
            && !matches!(
                f.kind(),
                FieldKind::String | FieldKind::Bytes | FieldKind::Message(_)
            );
        if packable {
            let want_len = f.is_packed();
            if matches!(r.value, wire::WireValue::Len(_)) != want_len {
                return Err(at(format!(
                    "packed = {want_len} but the record says otherwise"
                )));
            }
            if want_len && records.iter().filter(|o| o.field == r.field).count() > 1 {
                return Err(at("a packed field in more than one record".into()));
            }
            continue;
        }
        let implicit = f.cardinality() != Cardinality::Repeated && !f.supports_presence();
        if implicit {
            let is_default = match &r.value {
                wire::WireValue::Varint(v) => *v == 0,
                wire::WireValue::I32(b) => b.iter().all(|x| *x == 0),
                wire::WireValue::I64(b) => b.iter().all(|x| *x == 0),
                wire::WireValue::Len(b) => b.is_empty(),
            };
            if is_default {
                return Err(at(
                    "an implicit-presence field at its default is written".into()
                ));
            }
        }
        if let (FieldKind::Message(inner), wire::WireValue::Len(body)) = (f.kind(), &r.value) {
            if f.is_map() {
                let entry = wire::parse(body).map_err(|e| at(e.to_string()))?;
                let fields: Vec<u32> = entry.iter().map(|e| e.field).collect();
                // Omitting a default key or value is canonical here (prost's form); REQ-ENC-4(e):
                // an encode vector never has a default key or value at all.
                let allowed = [&[1, 2][..], &[1], &[2], &[]];
                if !allowed.contains(&fields.as_slice()) || (strict_maps && fields != [1, 2]) {
                    return Err(at(format!(
                        "a map entry must be key (1) then value (2), got fields {fields:?}"
                    )));
                }
            }
            canonical_violations(&inner, body, depth + 1, strict_maps)?;
        }
    }
    Ok(())
}

// ---- envelopes ----

fn envelope_case(case: &Case) -> Result<(), String> {
    encode_case(case)?;
    let b = bytes(case.hex.as_deref())?;
    let carried: Option<Vec<u8>> = match case.kind {
        Kind::Request => {
            let r = pb::FfiRequest::decode(b.as_slice()).map_err(|e| e.to_string())?;
            if Some(r.event.as_str()) != case.event.as_deref() {
                return Err(format!("the envelope names event {:?}", r.event));
            }
            Some(r.payload)
        }
        Kind::Response => {
            let got = outcome::receive_response(&b)
                .map_err(|_| "the response cannot be read".to_string())?;
            match got {
                Ok(payload) => Some(payload),
                Err(e) => {
                    use eventwire_tools::vectors::codes;
                    if e.category != codes::category(e.code) as i32 {
                        return Err(format!(
                            "category {} is not the schema category of {}",
                            e.category,
                            codes::value_name(e.code)
                        ));
                    }
                    Some(
                        pb::FfiResponse::decode(b.as_slice())
                            .map_err(|e| e.to_string())?
                            .payload,
                    )
                }
            }
        }
        _ => {
            use pb::subscribe_object::{ErrorOneof, PayloadOneof};
            let n = outcome::receive_notification(&b)
                .ok_or("a valid notification is read as malformed")?;
            match (n.payload_oneof, n.error_oneof) {
                (Some(PayloadOneof::Payload(p)), None) => Some(p),
                (None, Some(ErrorOneof::Error(e))) => Some(e),
                _ => unreachable!("receive_notification checked the arms"),
            }
        }
    };
    match (&case.inner, carried) {
        (Some(inner), Some(payload)) => {
            if to_hex(&payload) != inner.hex {
                return Err(format!(
                    "the envelope carries {}, inner says {}",
                    to_hex(&payload),
                    inner.hex
                ));
            }
            message_agrees(&inner.ty, &inner.value, &payload, true)
        }
        (None, Some(payload)) if payload.is_empty() => Ok(()),
        (None, Some(payload)) => Err(format!(
            "no inner message but the envelope carries {}",
            to_hex(&payload)
        )),
        (_, None) => Ok(()),
    }
}

// ---- the reference dispatcher ----

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn dispatcher(config: Option<&Config>) -> Result<Dispatcher, String> {
    let mut json = serde_json::Map::new();
    let mut ready = true;
    if let Some(c) = config {
        if let Some(v) = c.max_payload_bytes {
            json.insert("max_payload_bytes".into(), v.into());
        }
        if let Some(v) = c.max_nesting_depth {
            json.insert("max_nesting_depth".into(), v.into());
        }
        if let Some(v) = &c.capabilities {
            json.insert("capabilities".into(), v.clone().into());
        }
        ready = c.ready.unwrap_or(true);
    }
    let config =
        eventwire::Config::from_json(serde_json::Value::Object(json).to_string().as_bytes())
            .map_err(|e| e.to_string())?;
    let builder = eventwire_sample_app::reference::mount(Dispatcher::builder())
        .config(config)
        .ready(ready);
    builder.build().map_err(|e| e.to_string())
}

/// Sends `requests` one after another through one session; returns what each produced.
fn observe(config: Option<&Config>, requests: Vec<Vec<u8>>) -> Result<Vec<Observed>, String> {
    let rt = runtime();
    rt.block_on(async move {
        let d = dispatcher(config)?;
        let (session, mut rx) = d.open_session(SessionConfig::default());
        let mut out = Vec::new();
        for (i, request) in requests.into_iter().enumerate() {
            let id = i as u64 + 1;
            session.submit(id, request, eventwire::RequestOptions::new());
            let mut notifications = Vec::new();
            loop {
                // A generous bound so a lost response fails this case instead of hanging the run.
                match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
                    Ok(Some(Outbound::Notification {
                        subscribe_object, ..
                    })) => notifications.push(subscribe_object),
                    Ok(Some(Outbound::Response {
                        request_id,
                        response,
                    })) if request_id == id => {
                        out.push(Observed {
                            response,
                            notifications,
                        });
                        break;
                    }
                    Ok(Some(Outbound::Response { request_id, .. })) => {
                        return Err(format!(
                            "a response for request {request_id} while waiting for {id}"
                        ));
                    }
                    Ok(None) => return Err("the session closed without a response".into()),
                    Err(_) => return Err(format!("no response to request {id} within 30 s")),
                }
            }
        }
        Ok(out)
    })
}

/// The expectation must be consistent in itself: its bytes decode to what it says.
fn expect_consistent(e: &Expect) -> Result<(), String> {
    if let (Some(Status::Ok), Some(hex)) = (e.status, &e.response_hex) {
        if e.bytes_comparable.is_some() {
            return Err("response_hex beside bytes_comparable".into());
        }
        let r = pb::FfiResponse::decode(bytes(Some(hex))?.as_slice()).map_err(|e| e.to_string())?;
        match &e.output {
            Some(o) => {
                if to_hex(&r.payload) != o.hex {
                    return Err("response_hex does not carry the output".into());
                }
                // Pinned bytes: no map entry may have a default key or value (REQ-ENC-4(e)).
                message_agrees(&o.ty, &o.value, &r.payload, true)?;
            }
            None if !r.payload.is_empty() => {
                return Err("OK without output carries a payload".into());
            }
            None => {}
        }
    }
    if let (Some(Status::Ok), None) = (e.status, &e.response_hex) {
        // Not byte-comparable: the mark must be there, and true (the strict check fails).
        let o = e
            .output
            .as_ref()
            .ok_or("an OK expectation without response_hex and without output")?;
        if e.bytes_comparable != Some(false) {
            return Err(
                "an OK expectation without response_hex must say bytes_comparable: false".into(),
            );
        }
        let b = bytes(Some(&o.hex))?;
        message_agrees(&o.ty, &o.value, &b, false)?;
        if message_agrees(&o.ty, &o.value, &b, true).is_ok() {
            return Err("bytes_comparable: false, but the output has no map entry with a default key or value".into());
        }
    }
    if let Some(err) = &e.error {
        let code =
            eventwire_tools::vectors::codes::by_name(&err.code).ok_or("unknown code name")?;
        if eventwire_tools::vectors::codes::category(code).as_str_name() != err.category {
            return Err(format!(
                "{} is not the category of {}",
                err.category, err.code
            ));
        }
    }
    for n in e.notifications.iter().flatten() {
        let b = bytes(Some(&n.hex))?;
        message_agrees(
            "eventwire.v1.SubscribeObject",
            &codec::decode("eventwire.v1.SubscribeObject", &b).map_err(|e| e.to_string())?,
            &b,
            true,
        )?;
        let so =
            outcome::receive_notification(&b).ok_or("an expected notification is malformed")?;
        if so.source != n.source || so.ty != n.ty || so.id != n.id || so.seq != n.seq {
            return Err("notification hex and its fields disagree".into());
        }
    }
    Ok(())
}

fn dispatch_case(case: &Case) -> Result<(), String> {
    let steps = case.steps.as_ref().ok_or("no steps")?;
    let mut requests = Vec::new();
    for s in steps {
        expect_consistent(&s.expect)?;
        let b = bytes(Some(&s.hex))?;
        let r = pb::FfiRequest::decode(b.as_slice()).map_err(|e| e.to_string())?;
        if r.event != s.event {
            return Err(format!(
                "step hex names {:?}, step says {:?}",
                r.event, s.event
            ));
        }
        requests.push(b);
    }
    let observed = observe(case.config.as_ref(), requests)?;
    for (i, (s, o)) in steps.iter().zip(&observed).enumerate() {
        outcome::compare(&s.expect, o).map_err(|e| format!("step {} ({}): {e}", i + 1, s.event))?;
    }
    Ok(())
}

fn reject_case(case: &Case) -> Result<(), String> {
    let b = bytes(case.hex.as_deref())?;
    let expect = case.expect.as_ref().ok_or("no expect")?;
    expect_consistent(expect)?;
    match case.input.ok_or("no input")? {
        Input::Request => {
            let observed = observe(case.config.as_ref(), vec![b])?;
            outcome::compare(expect, &observed[0])
        }
        Input::Notification => {
            let malformed = outcome::receive_notification(&b).is_none();
            if Some(malformed) != expect.malformed {
                return Err(format!(
                    "the reference receiver reads it as malformed = {malformed}"
                ));
            }
            Ok(())
        }
        Input::Response => {
            let got = outcome::receive_response(&b)
                .map_err(|_| "the response cannot be read".to_string())?;
            let want = expect.error.as_ref().ok_or("no error")?;
            match got {
                Ok(_) => Err("read as OK".into()),
                Err(e)
                    if outcome::name_of_code(e.code) == want.code
                        && outcome::name_of_category(e.category) == want.category =>
                {
                    Ok(())
                }
                Err(e) => Err(format!(
                    "read as {} / {}",
                    outcome::name_of_code(e.code),
                    outcome::name_of_category(e.category)
                )),
            }
        }
    }
}

// ---- bytes written by hand, field by field ----

/// Tag byte(s), then for LEN a length byte, then the bytes: written out, not computed by prost.
fn hand_written() -> BTreeMap<&'static str, Vec<u8>> {
    fn s(text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }
    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }
    let mut m: BTreeMap<&'static str, Vec<u8>> = BTreeMap::new();
    let u64_max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];

    // The encoding guide's examples, on this schema's fields.
    m.insert("guide-varint-150-nestedpb", vec![0x08, 0x96, 0x01]);
    m.insert(
        "guide-string-testing-nestedpb",
        vec![0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67],
    );
    // f_nested is field 17, LEN: tag (17 << 3 | 2) = 138 = 8a 01.
    m.insert(
        "guide-submessage-alltypes",
        vec![0x8a, 0x01, 0x03, 0x08, 0x96, 0x01],
    );
    // r_int32_packed is field 20: tag (20 << 3 | 2) = 162 = a2 01.
    m.insert(
        "guide-packed-repeated-alltypes",
        vec![0xa2, 0x01, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05],
    );
    // f_sint32 is field 7, VARINT: tag 0x38.
    m.insert("guide-zigzag-sint32--1", vec![0x38, 0x01]);
    m.insert("guide-zigzag-sint32-1", vec![0x38, 0x02]);
    m.insert("guide-zigzag-sint32--2", vec![0x38, 0x03]);
    m.insert(
        "guide-zigzag-sint32-2147483647",
        vec![0x38, 0xfe, 0xff, 0xff, 0xff, 0x0f],
    );
    m.insert(
        "guide-zigzag-sint32--2147483648",
        vec![0x38, 0xff, 0xff, 0xff, 0xff, 0x0f],
    );
    // r_sint64_packed is field 22: tag b2 01; 14 bytes of zigzag varints.
    m.insert(
        "guide-zigzag-sint64-packed",
        vec![
            0xb2, 0x01, 0x0e, 0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff,
            0xff, 0xff, 0x0f,
        ],
    );

    // SPEC.md section 6.10 examples that are cases here.
    m.insert("optional-int32-zero", vec![0x90, 0x03, 0x00]);
    m.insert("oneof-uint32-zero", vec![0xc0, 0x02, 0x00]);
    m.insert("f-nested-empty", vec![0x8a, 0x01, 0x00]);
    m.insert("f-int32-negative", cat(&[&[0x18], &u64_max]));
    m.insert("f-enum-negative", cat(&[&[0x80, 0x01], &u64_max]));
    // 2^53 + 1 = bit 53 (the fifth bit of the eighth 7-bit group) plus bit 0.
    m.insert(
        "f-int64-above-2-53",
        vec![0x20, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
    );
    // fixed64: 2^53 + 1 little endian is 01 00 00 00 00 00 20 00.
    m.insert(
        "f-fixed64-above-2-53",
        vec![0x51, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00],
    );
    // IEEE 754: +inf double 0x7ff0000000000000, -inf float 0xff800000, little endian.
    m.insert(
        "f-double-positive-infinity",
        vec![0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f],
    );
    m.insert(
        "f-float-negative-infinity",
        vec![0x15, 0x00, 0x00, 0x80, 0xff],
    );
    // The other precision cases. -(2^53 + 1) as 64-bit two's complement is 0xffdfffffffffffff: a
    // 10-byte varint whose eighth group is 0x6f (bit 53 clear) and last byte 01.
    m.insert(
        "f-int64-below-minus-2-53",
        vec![
            0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff, 0x01,
        ],
    );
    // f_uint64 is field 6 (tag 0x30), the same varint as f_int64's.
    m.insert(
        "f-uint64-above-2-53",
        vec![0x30, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
    );
    // f_sint64 is field 8 (tag 0x40): zigzag(2^53 + 1) = 2^54 + 2, zigzag(-(2^53 + 1)) = 2^54 + 1.
    m.insert(
        "f-sint64-above-2-53",
        vec![0x40, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20],
    );
    m.insert(
        "f-sint64-below-minus-2-53",
        vec![0x40, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20],
    );
    // f_sfixed64 is field 12, I64 (tag 0x61): little endian, -(2^53 + 1) = ff ff ff ff ff ff df ff.
    m.insert(
        "f-sfixed64-above-2-53",
        vec![0x61, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00],
    );
    m.insert(
        "f-sfixed64-below-minus-2-53",
        vec![0x61, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xdf, 0xff],
    );
    // -inf double 0xfff0000000000000, +inf float 0x7f800000.
    m.insert(
        "f-double-negative-infinity",
        vec![0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xff],
    );
    m.insert(
        "f-float-positive-infinity",
        vec![0x15, 0x00, 0x00, 0x80, 0x7f],
    );
    // r_sint64_packed (field 22, tag b2 01), 24 bytes: zigzag 2^54 + 2, 2^54 + 1 and 2^54 (for 2^53).
    m.insert(
        "r-sint64-packed-beyond-2-53",
        cat(&[
            &[0xb2, 0x01, 0x18],
            &[0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20],
            &[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20],
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20],
        ]),
    );
    // r_double_packed (field 23, tag ba 01), 24 bytes: +inf, 1.0 (0x3ff0000000000000), -inf.
    m.insert(
        "r-double-packed-infinities",
        cat(&[
            &[0xba, 0x01, 0x18],
            &[0, 0, 0, 0, 0, 0, 0xf0, 0x7f],
            &[0, 0, 0, 0, 0, 0, 0xf0, 0x3f],
            &[0, 0, 0, 0, 0, 0, 0xf0, 0xff],
        ]),
    );
    // m_uint64_bytes (field 33, tag 8a 02): entries of 12 bytes, key 2^53 (80 .. 80 10) before
    // key 2^53 + 1 (81 80 .. 10), values 01 and 02.
    m.insert(
        "m-uint64-bytes-keys-beyond-2-53",
        cat(&[
            &[
                0x8a, 0x02, 0x0c, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0x12, 0x01,
                0x01,
            ],
            &[
                0x8a, 0x02, 0x0c, 0x08, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0x12, 0x01,
                0x02,
            ],
        ]),
    );
    m.insert("alltypes-empty", vec![]);

    // Envelopes.
    m.insert("ffirequest-empty", vec![]);
    m.insert("ffirequest-event-only", cat(&[&[0x0a, 0x04], b"Ping"]));
    m.insert(
        "ffirequest-event-and-payload",
        cat(&[&[0x0a, 0x07], b"Discard", &[0x12, 0x03, 0x08, 0x96, 0x01]]),
    );
    m.insert(
        "ffirequest-utf8-event",
        cat(&[&[0x0a, 0x0b], &[0xc3, 0x89], b"v", &[0xc3, 0xa9], b"nement"]),
    );
    m.insert("ffiresponse-ok-empty", vec![]);
    m.insert(
        "ffiresponse-ok-payload",
        cat(&[&[0x0a, 0x06, 0x0a, 0x04], b"pong"]),
    );
    // FlowyError{code 200 = c8 01, msg "x", category 3}, then status 1.
    m.insert(
        "ffiresponse-err",
        vec![
            0x0a, 0x08, 0x08, 0xc8, 0x01, 0x12, 0x01, b'x', 0x20, 0x03, 0x10, 0x01,
        ],
    );
    m.insert(
        "ffiresponse-internal-status",
        vec![0x0a, 0x05, 0x12, 0x01, b'x', 0x20, 0x09, 0x10, 0x02],
    );
    let panic_msg = s("handler for `Panic` panicked");
    assert_eq!(panic_msg.len(), 0x1c);
    m.insert(
        "flowyerror-internal",
        cat(&[&[0x12, 0x1c], &panic_msg, &[0x20, 0x09]]),
    );
    let view_msg = s("view_id: View id can not be empty or whitespace");
    assert_eq!(view_msg.len(), 0x2f);
    m.insert(
        "flowyerror-full",
        cat(&[
            &[0x08, 0x31, 0x12, 0x2f],
            &view_msg,
            &[0x1a, 0x02, 0x01, 0x02, 0x20, 0x01],
        ]),
    );
    m.insert(
        "flowyerror-two-byte-code",
        vec![0x08, 0xcd, 0x01, 0x12, 0x01, b'm', 0x20, 0x01],
    );
    m.insert(
        "subscribeobject-payload",
        cat(&[
            &[0x0a, 0x08],
            b"document",
            &[
                0x10, 0x01, 0x1a, 0x01, b'd', 0x22, 0x03, 0x0a, 0x01, b'd', 0x30, 0x01,
            ],
        ]),
    );
    m.insert(
        "subscribeobject-empty-payload",
        cat(&[&[0x0a, 0x0b], b"conformance", &[0x10, 0x01, 0x22, 0x00]]),
    );
    m.insert(
        "subscribeobject-error",
        cat(&[
            &[0x0a, 0x0b],
            b"conformance",
            &[0x10, 0x01, 0x1a, 0x01, b'e', 0x2a, 0x0a, 0x12, 0x06],
            b"tick 0",
            &[0x20, 0x09, 0x30],
            &u64_max,
        ]),
    );
    m.insert(
        "subscribeobject-negative-ty",
        cat(&[&[0x0a, 0x01, b'x', 0x10], &u64_max, &[0x22, 0x01, 0x00]]),
    );
    // StreamFrame arms: request = 1, response = 2, notification = 3, cancel = 4, fault = 5.
    m.insert(
        "streamframe-request",
        cat(&[
            &[0x0a, 0x0d, 0x08, 0x01, 0x12, 0x06, 0x0a, 0x04],
            b"Ping",
            &[0x18, 0xfa, 0x01],
        ]),
    );
    m.insert("streamframe-request-empty", vec![0x0a, 0x00]);
    m.insert(
        "streamframe-response",
        cat(&[
            &[0x12, 0x0b, 0x08, 0xac, 0x02, 0x12, 0x06, 0x0a, 0x04],
            b"pong",
        ]),
    );
    m.insert(
        "streamframe-notification",
        cat(&[
            &[0x1a, 0x11, 0x0a, 0x04],
            b"user",
            &[
                0x10, 0x02, 0x1a, 0x01, b'1', 0x22, 0x02, 0x08, 0x01, 0x30, 0x07,
            ],
        ]),
    );
    m.insert("streamframe-cancel", cat(&[&[0x22, 0x0b, 0x08], &u64_max]));
    m.insert(
        "streamframe-fault-closing",
        vec![
            0x2a, 0x0b, 0x12, 0x07, 0x08, 0x5a, 0x12, 0x01, b'x', 0x20, 0x01, 0x18, 0x01,
        ],
    );
    m.insert(
        "streamframe-fault",
        vec![
            0x2a, 0x0b, 0x08, 0x05, 0x12, 0x07, 0x08, 0x6a, 0x12, 0x01, b'x', 0x20, 0x01,
        ],
    );

    // Requests and responses of events.
    m.insert("ping-request", cat(&[&[0x0a, 0x04], b"Ping"]));
    m.insert("sign-out-request", cat(&[&[0x0a, 0x07], b"SignOut"]));
    m.insert(
        "ping-response-ok",
        cat(&[&[0x0a, 0x06, 0x0a, 0x04], b"pong"]),
    );
    m.insert("discard-response-ok", vec![]);
    m.insert("sign-out-response-ok", vec![]);
    let not_signed_in = s("no user is signed in");
    // FlowyError{code 223 = df 01, msg, category UNAUTHENTICATED = 11}: 3 + 22 + 2 = 27 bytes.
    m.insert(
        "sign-out-response-user-not-signed-in",
        cat(&[
            &[0x0a, 0x1b, 0x08, 0xdf, 0x01, 0x12, 0x14],
            &not_signed_in,
            &[0x20, 0x0b, 0x10, 0x01],
        ]),
    );
    m
}

//! `vectors check`: fails on any drift between `vectors/` and what `vectors generate` would write.
//!
//! Drift is: a file that does not parse or breaks the JSON Schema, an id that is malformed,
//! duplicated, of the wrong kind, missing without being retired, or retired but present, and any
//! case whose text differs from what the reference now produces for it (bytes included).

use std::{collections::BTreeMap, path::Path};

use super::format::{Case, Kind, VectorFile, WireRecord, WireType, split_id};
use super::generate::generate;
use super::hex::{from_hex, to_hex};
use super::store::{SCHEMA_FILE, Store, render};
use super::wire::{self, Record, WireValue};

/// Every problem with the vectors in `dir`; empty means the check passed.
pub fn check(dir: &Path) -> Vec<String> {
    let store = match Store::read(dir) {
        Ok(s) => s,
        Err(e) => return vec![format!("{}: cannot read: {e}", dir.display())],
    };
    let schema = match std::fs::read_to_string(dir.join(SCHEMA_FILE)) {
        Ok(s) => s,
        Err(e) => return vec![format!("{SCHEMA_FILE}: cannot read: {e}")],
    };
    check_store(&store, &schema)
}

pub fn check_store(store: &Store, schema: &str) -> Vec<String> {
    let mut problems = schema_problems(store, schema);
    let (files, parse_problems) = store.parse();
    problems.extend(parse_problems);
    problems.extend(id_problems(&files, &store.retired));
    match generate(&files, &store.retired) {
        Err(p) => problems.extend(p),
        Ok(expected) => {
            for (path, file) in &expected {
                let want = render(path, file);
                match store.texts.get(path) {
                    None => problems.push(format!(
                        "{path}: missing; run `eventwire-tools vectors generate`"
                    )),
                    Some(have) if *have == want => {}
                    Some(_) => problems.extend(case_drift(path, files.get(path), file)),
                }
            }
        }
    }
    problems
}

/// Validates every file against the published JSON Schema.
pub fn schema_problems(store: &Store, schema: &str) -> Vec<String> {
    let schema: serde_json::Value = match serde_json::from_str(schema) {
        Ok(s) => s,
        Err(e) => return vec![format!("{SCHEMA_FILE}: not JSON: {e}")],
    };
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => return vec![format!("{SCHEMA_FILE}: not a valid JSON Schema: {e}")],
    };
    let mut problems = Vec::new();
    for (path, text) in &store.texts {
        let Ok(yaml) = serde_norway::from_str::<serde_norway::Value>(text) else {
            continue;
        };
        let Ok(json) = serde_json::to_value(&yaml) else {
            problems.push(format!("{path}: not representable as JSON"));
            continue;
        };
        for e in validator.iter_errors(&json).take(5) {
            problems.push(format!(
                "{path}: schema violation at `{}`: {e}",
                e.instance_path
            ));
        }
    }
    problems
}

fn id_problems(files: &BTreeMap<String, VectorFile>, retired: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut used: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for r in retired {
        match split_id(r) {
            Some((p, n)) => used.entry(p).or_default().push(n),
            None => problems.push(format!("RETIRED: `{r}` is not an id")),
        }
    }
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for (path, file) in files {
        for c in &file.cases {
            match split_id(&c.id) {
                Some((p, n)) if p == c.kind.prefix() => used.entry(p).or_default().push(n),
                _ => problems.push(format!(
                    "{path}: id `{}` is not `{}-NNNN` for a {} case",
                    c.id,
                    c.kind.prefix(),
                    c.kind.name()
                )),
            }
            if let Some(first) = seen.insert(&c.id, path) {
                problems.push(format!(
                    "{path}: id {} is used twice (also in {first})",
                    c.id
                ));
            }
            if let Some(first) = names.insert(&c.name, &c.id) {
                problems.push(format!(
                    "{path}: name `{}` of {} is also the name of {first}",
                    c.name, c.id
                ));
            }
            if retired.contains(&c.id) {
                problems.push(format!(
                    "{path}: id {} is retired and must not be used",
                    c.id
                ));
            }
        }
    }
    for kind in Kind::ALL {
        let Some(ns) = used.get(kind.prefix()) else {
            continue;
        };
        let max = ns.iter().copied().max().unwrap_or(0);
        for n in 1..=max {
            if !ns.contains(&n) {
                problems.push(format!(
                    "id {}-{n:04} is missing: removed ids must be listed in vectors/RETIRED",
                    kind.prefix()
                ));
            }
        }
    }
    problems
}

/// Names the cases of one file that differ, for a readable report.
fn case_drift(path: &str, have: Option<&VectorFile>, want: &VectorFile) -> Vec<String> {
    let Some(have) = have else {
        return vec![format!(
            "{path}: does not match the catalogue; run `eventwire-tools vectors generate`"
        )];
    };
    let mut problems = Vec::new();
    let render_case = |c: &Case| serde_norway::to_string(c).unwrap_or_default();
    let have_by_id: BTreeMap<&str, _> = have.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in &want.cases {
        match have_by_id.get(c.id.as_str()) {
            None => problems.push(format!("{path}: case {} (`{}`) is missing", c.id, c.name)),
            Some(h) if render_case(h) != render_case(c) => {
                let line = first_diff(&render_case(h), &render_case(c));
                problems.push(format!(
                    "{path}: case {} (`{}`) differs from what the reference produces: {line}",
                    c.id, c.name
                ));
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        if have.description != want.description {
            problems.push(format!(
                "{path}: the file description differs from the catalogue's"
            ));
        } else if have
            .cases
            .iter()
            .map(|c| &c.id)
            .ne(want.cases.iter().map(|c| &c.id))
        {
            problems.push(format!("{path}: cases are not in their recorded order"));
        } else {
            problems.push(format!(
                "{path}: not in the form `vectors generate` writes (header, spacing or key order)"
            ));
        }
    }
    problems
}

fn first_diff(have: &str, want: &str) -> String {
    for (h, w) in have.lines().zip(want.lines()) {
        if h != w {
            return format!("file has `{}`, expected `{}`", h.trim(), w.trim());
        }
    }
    "different number of lines".into()
}

/// Whether raw records parsed from a `wire` case's bytes are exactly the ones it lists,
/// including each record's documented reading (zigzag, UTF-8, packed varints).
pub fn wire_records_match(records: &[WireRecord], parsed: &[Record]) -> Result<(), String> {
    if records.len() != parsed.len() {
        return Err(format!(
            "{} records listed, {} on the wire",
            records.len(),
            parsed.len()
        ));
    }
    for (i, (r, p)) in records.iter().zip(parsed).enumerate() {
        let at = |m: &str| format!("record {i}: {m}");
        if r.field != p.field {
            return Err(at(&format!(
                "field {} listed, {} on the wire",
                r.field, p.field
            )));
        }
        if !p.minimal {
            return Err(at("not minimally encoded"));
        }
        match (&p.value, r.wire_type) {
            (WireValue::Varint(v), WireType::Varint) => {
                if r.varint != Some(*v) || r.hex.is_some() {
                    return Err(at(&format!(
                        "varint {v} on the wire, {:?} listed",
                        r.varint
                    )));
                }
                if let Some(z) = r.zigzag {
                    if wire::zigzag(z) != *v {
                        return Err(at(&format!("zigzag({z}) is {}, not {v}", wire::zigzag(z))));
                    }
                }
            }
            (WireValue::Len(b), WireType::Len) => {
                if r.hex.as_deref() != Some(to_hex(b).as_str()) {
                    return Err(at("LEN bytes differ"));
                }
                if let Some(s) = &r.utf8 {
                    if s.as_bytes() != b.as_slice() {
                        return Err(at("utf8 reading differs"));
                    }
                }
                if let Some(vs) = &r.packed_varints {
                    if wire::parse_packed_varints(b).map_err(|e| at(&e.to_string()))? != *vs {
                        return Err(at("packed varints differ"));
                    }
                }
            }
            (WireValue::I32(b), WireType::I32) => {
                if r.hex.as_deref().map(from_hex) != Some(Ok(b.to_vec())) {
                    return Err(at("I32 bytes differ"));
                }
            }
            (WireValue::I64(b), WireType::I64) => {
                if r.hex.as_deref().map(from_hex) != Some(Ok(b.to_vec())) {
                    return Err(at("I64 bytes differ"));
                }
            }
            (v, t) => {
                return Err(at(&format!(
                    "wire type {} on the wire, {t:?} listed",
                    v.wire_type()
                )));
            }
        }
    }
    Ok(())
}

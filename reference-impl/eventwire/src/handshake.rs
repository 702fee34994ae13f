//! The runtime handshake (SPEC.md section 16.5): each side's protocol version and the
//! fingerprints of its schema, per module and per event, and what a front end concludes from the
//! backend's answer.
//!
//! A fingerprint is the SHA-256 of a canonical text form of an event table row (or of a module)
//! together with every message and enum its types reach, as SPEC.md section 16.5 defines it, so
//! that any language can compute it from its descriptors. [`canonical_event`] and
//! [`canonical_module`] give that text; `Schema` caches the result
//! ([`schema_fingerprints`] computes it once per schema).

use std::{collections::BTreeMap, fmt, fmt::Write as _};

use prost_reflect::{DescriptorPool, EnumDescriptor, MessageDescriptor};
use sha2::{Digest, Sha256};

use eventwire_schema::pb::{EventFingerprint, ModuleFingerprint, StreamHandshake};

use crate::schema::{ErrorsDef, EventDef, ModuleDef, NotificationDef, Schema};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The first line of every canonical form.
const MAGIC: &str = "eventwire-fingerprint-v1\n";

/// The SHA-256 of `text`.
pub fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// Lower-case hex, as the canonical module form and diagnostics write fingerprints.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Appends the type section: every message and enum reachable from `roots`, in ascending order of
/// full name.
fn push_types(out: &mut String, pool: &DescriptorPool, roots: &[&str]) {
    enum Ty {
        Message(MessageDescriptor),
        Enum(EnumDescriptor),
    }
    let mut seen: BTreeMap<String, Ty> = BTreeMap::new();
    let mut todo: Vec<String> = roots.iter().map(|r| (*r).to_owned()).collect();
    while let Some(name) = todo.pop() {
        if seen.contains_key(&name) {
            continue;
        }
        if let Some(message) = pool.get_message_by_name(&name) {
            for field in message.fields() {
                let proto = field.field_descriptor_proto();
                let type_name = proto.type_name().trim_start_matches('.');
                if !type_name.is_empty() {
                    todo.push(type_name.to_owned());
                }
            }
            seen.insert(name, Ty::Message(message));
        } else if let Some(e) = pool.get_enum_by_name(&name) {
            seen.insert(name, Ty::Enum(e));
        } else {
            // Validated at build time; an unknown name still gets a line, so it is not ignored.
            let _ = writeln!(out, "unknown {name}");
        }
    }
    for (name, ty) in seen {
        match ty {
            Ty::Message(message) => {
                let _ = writeln!(out, "message {name} {}", u8::from(message.is_map_entry()));
                let mut fields: Vec<_> = message.fields().collect();
                fields.sort_by_key(|f| f.number());
                for field in fields {
                    let proto = field.field_descriptor_proto();
                    let type_name = proto.type_name().trim_start_matches('.');
                    let oneof = field.containing_oneof().filter(|o| !o.is_synthetic());
                    let _ = writeln!(
                        out,
                        "field {} {} {} {} {} {} {} {}",
                        field.number(),
                        field.name(),
                        field.json_name(),
                        proto.label() as i32,
                        proto.r#type() as i32,
                        if type_name.is_empty() { "-" } else { type_name },
                        oneof.as_ref().map_or("-", |o| o.name()),
                        u8::from(proto.proto3_optional()),
                    );
                }
            }
            Ty::Enum(e) => {
                let _ = writeln!(out, "enum {name}");
                let mut values: Vec<_> = e
                    .values()
                    .map(|v| (v.number(), v.name().to_owned()))
                    .collect();
                values.sort();
                for (number, value) in values {
                    let _ = writeln!(out, "value {number} {value}");
                }
            }
        }
    }
}

/// The canonical form of one event (SPEC.md section 16.5).
pub fn canonical_event(event: &EventDef, pool: &DescriptorPool) -> String {
    let mut out = String::from(MAGIC);
    let _ = writeln!(out, "event {} {} {}", event.module, event.name, event.id);
    let _ = writeln!(out, "input {}", event.input.unwrap_or("-"));
    let _ = writeln!(out, "output {}", event.output.unwrap_or("-"));
    match event.errors {
        ErrorsDef::Any => out.push_str("errors any\n"),
        ErrorsDef::Codes(codes) => {
            let mut codes = codes.to_vec();
            codes.sort_unstable();
            codes.dedup();
            out.push_str("errors");
            for code in codes {
                let _ = write!(out, " {code}");
            }
            out.push('\n');
        }
    }
    let roots: Vec<&str> = event
        .input
        .iter()
        .chain(event.output.iter())
        .copied()
        .collect();
    push_types(&mut out, pool, &roots);
    out
}

/// The canonical form of one notification kind (SPEC.md section 16.5).
pub fn canonical_notification(notification: &NotificationDef, pool: &DescriptorPool) -> String {
    let mut out = String::from(MAGIC);
    let n = notification;
    let _ = writeln!(
        out,
        "notification {} {} {} {}",
        n.module, n.name, n.source, n.ty
    );
    let _ = writeln!(out, "payload {}", n.payload);
    push_types(&mut out, pool, &[n.payload]);
    out
}

/// The canonical form of one module: its events' and notifications' fingerprints (SPEC.md
/// section 16.5).
pub fn canonical_module(module: &ModuleDef, pool: &DescriptorPool) -> String {
    let mut out = String::from(MAGIC);
    let _ = writeln!(out, "module {}", module.name);
    let mut events: Vec<&EventDef> = module.events.iter().collect();
    events.sort_by_key(|e| e.id);
    for event in events {
        let _ = writeln!(
            out,
            "event {} {} {}",
            event.id,
            event.name,
            hex(&sha256(&canonical_event(event, pool)))
        );
    }
    let mut notifications: Vec<&NotificationDef> = module.notifications.iter().collect();
    notifications.sort_by(|a, b| (a.source.as_bytes(), a.ty).cmp(&(b.source.as_bytes(), b.ty)));
    for n in notifications {
        let fp = hex(&sha256(&canonical_notification(n, pool)));
        let _ = writeln!(out, "notification {} {} {} {fp}", n.source, n.ty, n.name);
    }
    out
}

/// The fingerprints of one module.
pub fn module_fingerprint(module: &ModuleDef, pool: &DescriptorPool) -> ModuleFingerprint {
    let mut events: Vec<EventFingerprint> = module
        .events
        .iter()
        .map(|e| EventFingerprint {
            name: e.name.to_owned(),
            id: e.id,
            fingerprint: sha256(&canonical_event(e, pool)),
        })
        .collect();
    events.sort_by_key(|e| e.id);
    ModuleFingerprint {
        name: module.name.to_owned(),
        fingerprint: sha256(&canonical_module(module, pool)),
        events,
    }
}

/// The fingerprints of the modules of `schema`, in the order of its tables; computed on first use.
pub fn schema_fingerprints(schema: &Schema) -> &[ModuleFingerprint] {
    schema.fingerprint_cache().get_or_init(|| {
        let pool = schema.descriptor_pool();
        schema
            .modules()
            .iter()
            .map(|m| module_fingerprint(m, pool))
            .collect()
    })
}

/// The handshake a side built from `schemas` announces: protocol version 1 and every module, in
/// ascending order of name.
pub fn handshake_of<'a>(schemas: impl IntoIterator<Item = &'a Schema>) -> StreamHandshake {
    let mut modules: Vec<ModuleFingerprint> = schemas
        .into_iter()
        .flat_map(|s| schema_fingerprints(s).iter().cloned())
        .collect();
    modules.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    StreamHandshake {
        protocol_version: PROTOCOL_VERSION,
        modules,
    }
}

/// What a front end concludes from the backend's answer to its handshake (SPEC.md section 16.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeOutcome {
    /// Same protocol version, same modules with the same fingerprints.
    Identical,
    /// Same protocol version; every event both sides have is the same. `missing` lists the front
    /// end's events the backend lacks (possibly none), in the front end's order: calls to them
    /// fail at once with `UNKNOWN_EVENT`, made locally.
    Compatible { missing: Vec<String> },
    /// A different protocol version, or an event both sides have that differs.
    Incompatible(Box<Incompatibility>),
    /// The backend answered with a fault with id 0: it speaks version 1 and has no handshake.
    /// Nothing is known of its schema; calls go through as without a handshake.
    NoHandshake,
}

/// The first difference found (SPEC.md section 16.5), for the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    pub front_end_version: u32,
    pub backend_version: u32,
    /// The first differing event, when the versions agree.
    pub event: Option<String>,
    /// The front end's module of that event.
    pub module: String,
    pub front_end_module_fingerprint: Vec<u8>,
    /// Empty when the backend has no module of that name.
    pub backend_module_fingerprint: Vec<u8>,
    pub front_end_event_fingerprint: Vec<u8>,
    pub backend_event_fingerprint: Vec<u8>,
    pub front_end_event_id: u32,
    pub backend_event_id: u32,
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(event) = &self.event else {
            return write!(
                f,
                "the backend speaks protocol version {}, this front end version {}",
                self.backend_version, self.front_end_version
            );
        };
        let backend_module = if self.backend_module_fingerprint.is_empty() {
            "absent".to_owned()
        } else {
            hex(&self.backend_module_fingerprint)
        };
        write!(
            f,
            "event `{event}` differs between the front end and the backend: front end module `{m}` {fm}, event id {fi} {fe}; \
             backend module `{m}` {backend_module}, event id {bi} {be}",
            m = self.module,
            fm = hex(&self.front_end_module_fingerprint),
            fi = self.front_end_event_id,
            fe = hex(&self.front_end_event_fingerprint),
            bi = self.backend_event_id,
            be = hex(&self.backend_event_fingerprint),
        )
    }
}

impl HandshakeOutcome {
    /// Compares the front end's handshake with the backend's answer (SPEC.md section 16.5).
    pub fn compare(front_end: &StreamHandshake, backend: &StreamHandshake) -> HandshakeOutcome {
        let first_module = front_end.modules.first();
        if front_end.protocol_version != backend.protocol_version {
            return HandshakeOutcome::Incompatible(Box::new(Incompatibility {
                front_end_version: front_end.protocol_version,
                backend_version: backend.protocol_version,
                event: None,
                module: first_module.map(|m| m.name.clone()).unwrap_or_default(),
                front_end_module_fingerprint: first_module
                    .map(|m| m.fingerprint.clone())
                    .unwrap_or_default(),
                backend_module_fingerprint: first_module
                    .and_then(|fm| backend.modules.iter().find(|m| m.name == fm.name))
                    .map(|m| m.fingerprint.clone())
                    .unwrap_or_default(),
                front_end_event_fingerprint: Vec::new(),
                backend_event_fingerprint: Vec::new(),
                front_end_event_id: 0,
                backend_event_id: 0,
            }));
        }
        let mut backend_events: BTreeMap<&str, &EventFingerprint> = BTreeMap::new();
        for module in &backend.modules {
            for event in &module.events {
                backend_events.entry(event.name.as_str()).or_insert(event);
            }
        }
        let mut modules: Vec<&ModuleFingerprint> = front_end.modules.iter().collect();
        modules.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let mut missing = Vec::new();
        for module in modules {
            let mut events: Vec<&EventFingerprint> = module.events.iter().collect();
            events.sort_by_key(|e| e.id);
            for event in events {
                let Some(theirs) = backend_events.get(event.name.as_str()) else {
                    missing.push(event.name.clone());
                    continue;
                };
                if theirs.fingerprint != event.fingerprint || theirs.id != event.id {
                    return HandshakeOutcome::Incompatible(Box::new(Incompatibility {
                        front_end_version: front_end.protocol_version,
                        backend_version: backend.protocol_version,
                        event: Some(event.name.clone()),
                        module: module.name.clone(),
                        front_end_module_fingerprint: module.fingerprint.clone(),
                        backend_module_fingerprint: backend
                            .modules
                            .iter()
                            .find(|m| m.name == module.name)
                            .map(|m| m.fingerprint.clone())
                            .unwrap_or_default(),
                        front_end_event_fingerprint: event.fingerprint.clone(),
                        backend_event_fingerprint: theirs.fingerprint.clone(),
                        front_end_event_id: event.id,
                        backend_event_id: theirs.id,
                    }));
                }
            }
        }
        let same_modules = front_end.modules.len() == backend.modules.len()
            && front_end.modules.iter().all(|fm| {
                backend
                    .modules
                    .iter()
                    .any(|m| m.name == fm.name && m.fingerprint == fm.fingerprint)
            });
        if missing.is_empty() && same_modules {
            HandshakeOutcome::Identical
        } else {
            HandshakeOutcome::Compatible { missing }
        }
    }

    /// The events calls to which fail locally with `UNKNOWN_EVENT`.
    pub fn missing(&self) -> &[String] {
        match self {
            HandshakeOutcome::Compatible { missing } => missing,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_fips_180_2_example() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        assert_eq!(
            hex(&sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

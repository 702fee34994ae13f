//! The comparison of two revisions: an older one (checked against) and a newer one (checked).

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

use super::rules::{self, Rule, Severity};
use super::snapshot::{Enum, Loc, Message, Snapshot, message_type};

/// One rule broken by the newer revision, with both locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static Rule,
    /// What is wrong, naming the culprit.
    pub message: String,
    /// Where, in the newer revision (the element, or its container when the element is gone).
    pub new_at: Loc,
    /// Where the element was in the older revision.
    pub old_at: Loc,
    /// The older revision's name: a lock version, a git revision or a directory.
    pub against: String,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.rule.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}\n    was: {} (in {}); {}",
            self.new_at,
            self.rule.severity,
            self.rule.id,
            self.message,
            self.old_at,
            self.against,
            self.rule.direction.describe()
        )
    }
}

/// Everything the newer revision breaks with respect to the older one.
pub fn compare(old: &Snapshot, new: &Snapshot, against: &str) -> Vec<Finding> {
    let mut c = Cmp {
        old,
        new,
        out: Vec::new(),
    };
    let users = users(old);
    let annotate = |c: &mut Cmp, start: usize, name: &str| {
        if let Some(u) = users.get(name) {
            let mut list: Vec<&str> = u.iter().map(String::as_str).take(3).collect();
            let more = u.len().saturating_sub(3);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            list.sort();
            for i in &mut c.out[start..] {
                i.message
                    .push_str(&format!(" (reaches {}{tail})", list.join(", ")));
            }
        }
    };
    for (name, om) in &old.messages {
        if let Some(nm) = new.messages.get(name) {
            let start = c.out.len();
            c.message(name, om, nm, Mode::Nominal, &mut BTreeSet::new());
            annotate(&mut c, start, name);
        }
    }
    for (name, oe) in &old.enums {
        if let Some(ne) = new.enums.get(name) {
            let start = c.out.len();
            c.enumeration(name, oe, ne);
            annotate(&mut c, start, name);
        }
    }
    c.frozen();
    let renamed_modules = c.modules();
    c.events(&renamed_modules);
    c.notifications();
    c.out
        .into_iter()
        .map(|i| Finding {
            rule: i.rule,
            message: i.message,
            new_at: i.new_at,
            old_at: i.old_at,
            against: against.to_owned(),
        })
        .collect()
}

/// For each message and enum of `snap`, what puts it on the wire: the events, notifications and
/// protocol envelopes that reach it through fields.
fn users(snap: &Snapshot) -> BTreeMap<String, BTreeSet<String>> {
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |ty: &str, who: String| {
        users.entry(ty.to_owned()).or_default().insert(who);
    };
    for e in snap.events.values() {
        if let Some(t) = &e.input {
            add(t, format!("event `{}` input", e.name));
        }
        if let Some(t) = &e.output {
            add(t, format!("event `{}` output", e.name));
        }
    }
    for n in &snap.notifications {
        add(&n.payload, format!("notification `{}`", n.name));
    }
    for (m, who) in [
        ("eventwire.v1.FFIRequest", "every request"),
        ("eventwire.v1.FFIResponse", "every response"),
        ("eventwire.v1.FlowyError", "every error"),
        ("eventwire.v1.SubscribeObject", "every notification"),
    ] {
        if snap.messages.contains_key(m) {
            add(m, who.to_owned());
        }
    }
    loop {
        let mut changed = false;
        for (name, m) in &snap.messages {
            let Some(from) = users.get(name).cloned() else {
                continue;
            };
            for f in m.fields.values() {
                for target in referenced(&f.ty) {
                    let set = users.entry(target.to_owned()).or_default();
                    let before = set.len();
                    set.extend(from.iter().cloned());
                    changed |= set.len() != before;
                }
            }
        }
        if !changed {
            return users;
        }
    }
}

/// The message and enum names a field type refers to (`map<string, message .a.B>` -> `a.B`).
fn referenced(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(['<', ',', '>']).filter_map(|part| {
        let part = part.trim();
        part.strip_prefix("message .")
            .or_else(|| part.strip_prefix("enum ."))
    })
}

#[derive(Debug, Clone)]
struct Issue {
    rule: &'static Rule,
    message: String,
    new_at: Loc,
    old_at: Loc,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The same message in both revisions: a field's type must not change (REQ-VER-2).
    Nominal,
    /// An event's or notification's type was replaced: the two are compared field by field, and
    /// message-typed fields recursively (REQ-VER-3).
    Structural,
}

struct Cmp<'a> {
    old: &'a Snapshot,
    new: &'a Snapshot,
    out: Vec<Issue>,
}

impl Cmp<'_> {
    fn push(&mut self, rule: &'static Rule, message: String, new_at: &str, old_at: &str) {
        self.out.push(Issue {
            rule,
            message,
            new_at: new_at.to_owned(),
            old_at: old_at.to_owned(),
        });
    }

    fn message(
        &mut self,
        name: &str,
        om: &Message,
        nm: &Message,
        mode: Mode,
        seen: &mut BTreeSet<(String, String)>,
    ) {
        for (&num, of) in &om.fields {
            let what = format!("field `{name}.{}` = {num}", of.name);
            let Some(nf) = nm.fields.get(&num) else {
                if let Some(moved) = nm.field_named(&of.name) {
                    self.push(
                        rules::FIELD_RENUMBERED,
                        format!(
                            "{what} is now numbered {}; a field keeps its number",
                            moved.number
                        ),
                        &moved.at,
                        &of.at,
                    );
                } else if !nm.reserves_number(num) || !nm.reserves_name(&of.name) {
                    let missing = match (nm.reserves_number(num), nm.reserves_name(&of.name)) {
                        (false, false) => {
                            format!("`reserved {num};` and `reserved \"{}\";`", of.name)
                        }
                        (false, true) => format!("`reserved {num};`"),
                        _ => format!("`reserved \"{}\";`", of.name),
                    };
                    self.push(
                        rules::FIELD_REMOVED_NOT_RESERVED,
                        format!("{what} was removed; add {missing} to message `{name}`"),
                        &nm.at,
                        &of.at,
                    );
                }
                continue;
            };
            if nf.name != of.name {
                if let Some(moved) = nm.field_named(&of.name) {
                    self.push(rules::FIELD_RENUMBERED, format!("{what} is now numbered {}, and {num} is `{}`; a field keeps its number", moved.number, nf.name), &moved.at, &of.at);
                    continue;
                }
                if nf.ty != of.ty || nf.label != of.label {
                    self.push(
                        rules::FIELD_NUMBER_REUSED,
                        format!("{what} ({} {}) is now `{}` ({} {}): a number is never given to another field", of.label.describe(), show_ty(&of.ty), nf.name, nf.label.describe(), show_ty(&nf.ty)),
                        &nf.at,
                        &of.at,
                    );
                    continue;
                }
            }
            if nf.ty != of.ty {
                match (message_type(&of.ty), message_type(&nf.ty), mode) {
                    (Some(ot), Some(nt), Mode::Structural) => {
                        self.structural(ot, nt, seen, &of.at, &nf.at)
                    }
                    _ => self.push(
                        rules::FIELD_TYPE_CHANGED,
                        format!(
                            "{what} changed type from {} to {}",
                            show_ty(&of.ty),
                            show_ty(&nf.ty)
                        ),
                        &nf.at,
                        &of.at,
                    ),
                }
            }
            if nf.label != of.label {
                self.push(
                    rules::FIELD_LABEL_CHANGED,
                    format!(
                        "{what} changed from {} to {}",
                        of.label.describe(),
                        nf.label.describe()
                    ),
                    &nf.at,
                    &of.at,
                );
            }
            if nf.oneof != of.oneof {
                let side = |o: &Option<String>| {
                    o.as_ref()
                        .map(|o| format!("oneof `{o}`"))
                        .unwrap_or_else(|| "no oneof".to_owned())
                };
                self.push(
                    rules::FIELD_ONEOF_CHANGED,
                    format!(
                        "{what} moved from {} to {}",
                        side(&of.oneof),
                        side(&nf.oneof)
                    ),
                    &nf.at,
                    &of.at,
                );
            }
            if nf.json_name != of.json_name {
                self.push(
                    rules::FIELD_JSON_NAME_CHANGED,
                    format!(
                        "{what} changed its JSON name from `{}` to `{}`",
                        of.json_name, nf.json_name
                    ),
                    &nf.at,
                    &of.at,
                );
            } else if nf.name != of.name {
                self.push(rules::FIELD_RENAMED, format!("{what} is now named `{}`; its JSON name `{}` is kept, but proto-JSON parsers also accept the field name `{}`", nf.name, nf.json_name, of.name), &nf.at, &of.at);
            }
        }
        for (&num, nf) in &nm.fields {
            if !om.fields.contains_key(&num) && om.reserves_number(num) {
                self.push(
                    rules::FIELD_NUMBER_REUSED,
                    format!(
                        "field `{name}.{}` = {num} uses a number that message `{name}` reserves",
                        nf.name
                    ),
                    &nf.at,
                    &om.at,
                );
            }
        }
        let widen = |r: &[(u32, u32)]| {
            r.iter()
                .map(|&(a, b)| (i64::from(a), i64::from(b)))
                .collect::<Vec<_>>()
        };
        let used: Vec<i64> = nm.fields.keys().map(|&n| i64::from(n)).collect();
        let names: Vec<&str> = nm.fields.values().map(|f| f.name.as_str()).collect();
        self.reservations(
            &format!("message `{name}`"),
            (&widen(&om.reserved_numbers), &om.reserved_names, &om.at),
            (&widen(&nm.reserved_numbers), &nm.reserved_names, &nm.at),
            &used,
            &names,
        );
    }

    /// RESERVATION_REMOVED: numbers and names the older revision reserves that the newer neither
    /// reserves nor uses (a use is FIELD_NUMBER_REUSED or ENUM_VALUE_NUMBER_REUSED).
    fn reservations(
        &mut self,
        what: &str,
        old: (&[(i64, i64)], &[String], &str),
        new: (&[(i64, i64)], &[String], &str),
        used: &[i64],
        used_names: &[&str],
    ) {
        let mut cover: Vec<(i64, i64)> = new.0.to_vec();
        cover.extend(used.iter().map(|&n| (n, n)));
        cover.sort();
        for &(a, b) in old.0 {
            let mut next = a;
            let mut gaps = Vec::new();
            for &(c, d) in &cover {
                if d < next || c > b {
                    continue;
                }
                if c > next {
                    gaps.push((next, c - 1));
                }
                next = next.max(d + 1);
            }
            if next <= b {
                gaps.push((next, b));
            }
            for (x, y) in gaps {
                let range = if x == y {
                    x.to_string()
                } else {
                    format!("{x} to {y}")
                };
                self.push(
                    rules::RESERVATION_REMOVED,
                    format!("{what} no longer reserves {range}; keep `reserved {range};`"),
                    new.2,
                    old.2,
                );
            }
        }
        for n in old.1 {
            if !new.1.contains(n) && !used_names.contains(&n.as_str()) {
                self.push(
                    rules::RESERVATION_REMOVED,
                    format!("{what} no longer reserves the name \"{n}\"; keep `reserved \"{n}\";`"),
                    new.2,
                    old.2,
                );
            }
        }
    }

    /// Compares the message `old_ty` of the older revision with `new_ty` of the newer one, field
    /// by field, whatever their names.
    fn structural(
        &mut self,
        old_ty: &str,
        new_ty: &str,
        seen: &mut BTreeSet<(String, String)>,
        old_at: &str,
        new_at: &str,
    ) {
        if !seen.insert((old_ty.to_owned(), new_ty.to_owned())) {
            return;
        }
        match (self.old.messages.get(old_ty), self.new.messages.get(new_ty)) {
            (Some(om), Some(nm)) => self.message(&format!("{new_ty} (was {old_ty})"), om, nm, Mode::Structural, seen),
            _ => self.push(
                rules::FIELD_TYPE_CHANGED,
                format!("type `{old_ty}` became `{new_ty}`, and one of them is not in the checked protos, so they cannot be compared"),
                new_at,
                old_at,
            ),
        }
    }

    /// Whether replacing `old_ty` by `new_ty` (`None`: an empty message) keeps the wire and JSON
    /// forms compatible; the reasons it does not.
    fn replacement(&self, old_ty: Option<&str>, new_ty: Option<&str>) -> Vec<String> {
        let empty = Message {
            at: String::new(),
            fields: Default::default(),
            reserved_numbers: vec![],
            reserved_names: vec![],
        };
        let mut probe = Cmp {
            old: self.old,
            new: self.new,
            out: Vec::new(),
        };
        let (om, nm) = (
            old_ty.map_or(Some(&empty), |t| self.old.messages.get(t)),
            new_ty.map_or(Some(&empty), |t| self.new.messages.get(t)),
        );
        let (Some(om), Some(nm)) = (om, nm) else {
            return vec![format!(
                "`{}` or `{}` is not in the checked protos",
                old_ty.unwrap_or("(none)"),
                new_ty.unwrap_or("(none)")
            )];
        };
        let shown = new_ty.unwrap_or("(no type)");
        let mut seen = BTreeSet::from([(
            old_ty.unwrap_or("").to_owned(),
            new_ty.unwrap_or("").to_owned(),
        )]);
        probe.message(shown, om, nm, Mode::Structural, &mut seen);
        probe
            .out
            .into_iter()
            .filter(|i| i.rule.severity == Severity::Error)
            .map(|i| format!("{} [{}]", i.message, i.rule.id))
            .collect()
    }

    fn enumeration(&mut self, name: &str, oe: &Enum, ne: &Enum) {
        for (&num, ov) in &oe.values {
            let what = format!("enum value `{name}.{}` = {num}", ov.name);
            match ne.values.get(&num) {
                None => {
                    if let Some(moved) = ne.value_named(&ov.name) {
                        self.push(
                            rules::ENUM_VALUE_RENUMBERED,
                            format!(
                                "{what} is now numbered {}; a value keeps its number",
                                moved.number
                            ),
                            &moved.at,
                            &ov.at,
                        );
                    } else if !ne.reserves_number(num) || !ne.reserves_name(&ov.name) {
                        let missing = match (ne.reserves_number(num), ne.reserves_name(&ov.name)) {
                            (false, false) => {
                                format!("`reserved {num};` and `reserved \"{}\";`", ov.name)
                            }
                            (false, true) => format!("`reserved {num};`"),
                            _ => format!("`reserved \"{}\";`", ov.name),
                        };
                        self.push(
                            rules::ENUM_VALUE_REMOVED_NOT_RESERVED,
                            format!("{what} was removed; add {missing} to enum `{name}`"),
                            &ne.at,
                            &ov.at,
                        );
                    }
                }
                Some(nv) => {
                    if nv.name != ov.name {
                        if let Some(moved) = ne.value_named(&ov.name) {
                            self.push(
                                rules::ENUM_VALUE_RENUMBERED,
                                format!(
                                    "{what} is now numbered {}, and {num} is `{}`",
                                    moved.number, nv.name
                                ),
                                &moved.at,
                                &ov.at,
                            );
                            continue;
                        }
                        self.push(
                            rules::ENUM_VALUE_RENAMED,
                            format!(
                                "{what} is now named `{}`; the name is its JSON form",
                                nv.name
                            ),
                            &nv.at,
                            &ov.at,
                        );
                    }
                    if ov.category.is_some() && nv.category != ov.category {
                        self.push(
                            rules::ERROR_CODE_CATEGORY_CHANGED,
                            format!(
                                "error code `{}` = {num} changed category from {} to {}",
                                nv.name,
                                ov.category.as_deref().unwrap_or("none"),
                                nv.category
                                    .as_deref()
                                    .unwrap_or("none (no `(eventwire.v1.category)`)")
                            ),
                            &nv.at,
                            &ov.at,
                        );
                    }
                }
            }
        }
        for (&num, nv) in &ne.values {
            if !oe.values.contains_key(&num) && oe.reserves_number(num) {
                self.push(
                    rules::ENUM_VALUE_NUMBER_REUSED,
                    format!(
                        "enum value `{name}.{}` = {num} uses a number that enum `{name}` reserves",
                        nv.name
                    ),
                    &nv.at,
                    &oe.at,
                );
            }
        }
        let widen = |r: &[(i32, i32)]| {
            r.iter()
                .map(|&(a, b)| (i64::from(a), i64::from(b)))
                .collect::<Vec<_>>()
        };
        let used: Vec<i64> = ne.values.keys().map(|&n| i64::from(n)).collect();
        let names: Vec<&str> = ne.values.values().map(|v| v.name.as_str()).collect();
        self.reservations(
            &format!("enum `{name}`"),
            (&widen(&oe.reserved_numbers), &oe.reserved_names, &oe.at),
            (&widen(&ne.reserved_numbers), &ne.reserved_names, &ne.at),
            &used,
            &names,
        );
    }

    /// REQ-VER-4: numbers 1 to 5 of the four upstream messages, and FFIStatusCode, are frozen.
    fn frozen(&mut self) {
        for m in ["FFIRequest", "FFIResponse", "FlowyError", "SubscribeObject"] {
            let full = format!("eventwire.v1.{m}");
            let (Some(om), Some(nm)) = (self.old.messages.get(&full), self.new.messages.get(&full))
            else {
                continue;
            };
            for (&num, nf) in nm.fields.range(1..=5) {
                if !om.fields.contains_key(&num) {
                    self.push(rules::FROZEN_NUMBER_ASSIGNED, format!("field `{full}.{}` = {num}: numbers 1 to 5 of `{m}` are frozen; new fields take numbers from 6", nf.name), &nf.at, &om.at);
                }
            }
        }
        let full = "eventwire.v1.FFIStatusCode";
        if let (Some(oe), Some(ne)) = (self.old.enums.get(full), self.new.enums.get(full)) {
            for (num, nv) in &ne.values {
                if !oe.values.contains_key(num) {
                    self.push(rules::FROZEN_NUMBER_ASSIGNED, format!("enum value `{full}.{}` = {num}: the values of FFIStatusCode are frozen", nv.name), &nv.at, &oe.at);
                }
            }
        }
    }

    /// MODULE_RENAMED; returns the (old, new) names of renamed modules.
    fn modules(&mut self) -> Vec<(String, String)> {
        let mut renamed = Vec::new();
        for (m, ofile) in &self.old.modules {
            if self.new.modules.contains_key(m) {
                continue;
            }
            let now: BTreeSet<&str> = self
                .old
                .events
                .values()
                .filter(|e| &e.module == m)
                .filter_map(|e| self.new.events.get(&e.name).map(|n| n.module.as_str()))
                .collect();
            if now.len() == 1 {
                let to = *now.iter().next().unwrap();
                if !self.old.modules.contains_key(to) {
                    let nfile = &self.new.modules[to];
                    self.push(rules::MODULE_RENAMED, format!("module `{m}` is now `{to}`: capability patterns `{m}.*` and generated code that name it stop matching"), nfile, ofile);
                    renamed.push((m.clone(), to.to_owned()));
                }
            }
        }
        renamed
    }

    fn events(&mut self, renamed_modules: &[(String, String)]) {
        let (old, new) = (self.old, self.new);
        for (name, oe) in &old.events {
            let Some(ne) = new.events.get(name) else {
                match new.event_by_id(oe.id) {
                    Some(ne) if !old.events.contains_key(&ne.name) => self.push(
                        rules::EVENT_RENAMED,
                        format!("event `{name}` (id {}) is gone and id {} now names `{}`: renamed, or its id reused; the name routes requests", oe.id, oe.id, ne.name),
                        &ne.at,
                        &oe.at,
                    ),
                    _ => {
                        let file = new.modules.get(&oe.module).unwrap_or(&oe.at).clone();
                        self.push(rules::EVENT_REMOVED, format!("event `{name}` (id {}, module `{}`) was removed; an older front end's call is answered UNKNOWN_EVENT", oe.id, oe.module), &file, &oe.at)
                    }
                }
                continue;
            };
            if ne.id != oe.id {
                self.push(
                    rules::EVENT_RENUMBERED,
                    format!(
                        "event `{name}` changed id from {} to {}; ids are stable",
                        oe.id, ne.id
                    ),
                    &ne.at,
                    &oe.at,
                );
            }
            if ne.module != oe.module
                && !renamed_modules
                    .iter()
                    .any(|(a, b)| a == &oe.module && b == &ne.module)
            {
                self.push(
                    rules::EVENT_MODULE_CHANGED,
                    format!(
                        "event `{name}` moved from module `{}` to `{}`",
                        oe.module, ne.module
                    ),
                    &ne.at,
                    &oe.at,
                );
            }
            for (rule, what, o, n) in [
                (
                    rules::EVENT_INPUT_INCOMPATIBLE,
                    "input",
                    &oe.input,
                    &ne.input,
                ),
                (
                    rules::EVENT_OUTPUT_INCOMPATIBLE,
                    "output",
                    &oe.output,
                    &ne.output,
                ),
            ] {
                if o == n {
                    continue;
                }
                let reasons = self.replacement(o.as_deref(), n.as_deref());
                if !reasons.is_empty() {
                    self.push(
                        rule,
                        format!("event `{name}` {what} changed from {} to {}, which is not compatible: {}", show_msg(o), show_msg(n), reasons.join("; ")),
                        &ne.at,
                        &oe.at,
                    );
                }
            }
            match (&oe.errors, &ne.errors) {
                (_, None) => {}
                (None, Some(_)) => self.push(
                    rules::EVENT_ERROR_REMOVED,
                    format!("event `{name}` declared `errors: any` and now lists codes"),
                    &ne.at,
                    &oe.at,
                ),
                (Some(olist), Some(nlist)) => {
                    // By number, as the wire carries it: a code that moves to another enum (the
                    // protocol's to an application's) with its number is still declared.
                    for code in olist {
                        if !nlist.iter().any(|c| c.number == code.number) {
                            self.push(
                                rules::EVENT_ERROR_REMOVED,
                                format!("event `{name}` no longer declares error `{}` ({}); an older core may still return it", code.name, code.number),
                                &ne.at,
                                &oe.at,
                            );
                        }
                    }
                }
            }
        }
        for (name, ne) in &new.events {
            if old.events.contains_key(name) {
                continue;
            }
            if let Some(oe) = old.event_by_id(ne.id) {
                if new.events.contains_key(&oe.name) {
                    self.push(
                        rules::EVENT_ID_REUSED,
                        format!(
                            "event `{name}` takes id {}, which belongs to event `{}`",
                            ne.id, oe.name
                        ),
                        &ne.at,
                        &oe.at,
                    );
                }
            }
        }
    }

    fn notifications(&mut self) {
        let (old, new) = (self.old, self.new);
        for on in &old.notifications {
            let key = format!("(source `{}`, ty {})", on.source, on.ty);
            let moved = new.notifications.iter().find(|n| {
                n.name == on.name
                    && n.module == on.module
                    && (n.source != on.source || n.ty != on.ty)
            });
            if let Some(m) = moved {
                self.push(
                    rules::NOTIFICATION_REKEYED,
                    format!(
                        "notification `{}` moved from {key} to (source `{}`, ty {})",
                        on.name, m.source, m.ty
                    ),
                    &m.at,
                    &on.at,
                );
            }
            match new.notification(&on.source, on.ty) {
                None if moved.is_none() => {
                    let file = new.modules.get(&on.module).unwrap_or(&on.at).clone();
                    self.push(rules::NOTIFICATION_REMOVED, format!("notification `{}` {key} was removed; an older front end's listeners never fire", on.name), &file, &on.at);
                }
                None => {}
                Some(nn) => {
                    if nn.name != on.name {
                        if moved.is_some() {
                            self.push(
                                rules::NOTIFICATION_KEY_REUSED,
                                format!(
                                    "{key} addressed `{}` and now addresses `{}`",
                                    on.name, nn.name
                                ),
                                &nn.at,
                                &on.at,
                            );
                            continue;
                        }
                        self.push(
                            rules::NOTIFICATION_RENAMED,
                            format!(
                                "notification {key} `{}` is now named `{}`",
                                on.name, nn.name
                            ),
                            &nn.at,
                            &on.at,
                        );
                    }
                    if nn.payload != on.payload {
                        let reasons = self.replacement(Some(&on.payload), Some(&nn.payload));
                        if !reasons.is_empty() {
                            self.push(
                                rules::NOTIFICATION_PAYLOAD_INCOMPATIBLE,
                                format!("notification `{}` {key} payload changed from `{}` to `{}`, which is not compatible: {}", nn.name, on.payload, nn.payload, reasons.join("; ")),
                                &nn.at,
                                &on.at,
                            );
                        }
                    }
                }
            }
        }
    }
}

fn show_ty(ty: &str) -> String {
    ty.strip_prefix("message .")
        .or_else(|| ty.strip_prefix("enum ."))
        .unwrap_or(ty)
        .to_owned()
}

fn show_msg(t: &Option<String>) -> String {
    t.as_ref()
        .map(|t| format!("`{t}`"))
        .unwrap_or_else(|| "(none)".to_owned())
}

//! The schemas a dispatcher serves, merged and checked as one: which events and notification
//! kinds exist, who declared each, and the category of every error code.

use std::collections::{BTreeMap, HashMap};

use eventwire_schema::pb::{ErrorCategory, ErrorCode, FlowyError};

use crate::{
    problems::BuildProblem,
    schema::{EventDef, NotificationDef, Schema},
};

/// Where a name was declared: the crate and the table line, for messages that name two.
pub(crate) fn origin(schema: &Schema, module: &str, line: u32) -> String {
    let file = schema.module_file(module);
    match line {
        0 => format!("`{}` ({file})", schema.name()),
        line => format!("`{}` ({file}:{line})", schema.name()),
    }
}

pub(crate) struct Catalog {
    events: BTreeMap<&'static str, (&'static EventDef, &'static Schema)>,
    notifications: HashMap<(&'static str, i32), &'static NotificationDef>,
    modules: BTreeMap<&'static str, &'static Schema>,
    /// Application codes; the protocol's come from `ErrorCode` itself.
    codes: BTreeMap<i32, (&'static str, ErrorCategory, &'static Schema)>,
}

impl Catalog {
    /// Merges `schemas`, reporting every name two of them declare.
    pub(crate) fn merge(schemas: &[&'static Schema], problems: &mut Vec<BuildProblem>) -> Catalog {
        let mut catalog = Catalog {
            events: BTreeMap::new(),
            notifications: HashMap::new(),
            modules: BTreeMap::new(),
            codes: BTreeMap::new(),
        };
        let mut ids: BTreeMap<u32, (&'static EventDef, &'static Schema)> = BTreeMap::new();
        for &schema in schemas {
            for module in schema.modules() {
                if let Some(first) = catalog.modules.insert(module.name, schema) {
                    problems.push(BuildProblem::DuplicateModule {
                        module: module.name.to_owned(),
                        first: format!("`{}` ({})", first.name(), first.module_file(module.name)),
                        second: format!("`{}` ({})", schema.name(), module.file),
                    });
                }
                for event in module.events {
                    if let Some((first, first_schema)) = catalog.events.get(event.name) {
                        problems.push(BuildProblem::DuplicateEvent {
                            event: event.name.to_owned(),
                            first: origin(first_schema, first.module, first.line),
                            second: origin(schema, event.module, event.line),
                        });
                        continue;
                    }
                    if let Some((first, first_schema)) = ids.get(&event.id) {
                        problems.push(BuildProblem::DuplicateEventId {
                            id: event.id,
                            first: format!(
                                "`{}` in {}",
                                first.name,
                                origin(first_schema, first.module, first.line)
                            ),
                            second: format!(
                                "`{}` in {}",
                                event.name,
                                origin(schema, event.module, event.line)
                            ),
                        });
                    }
                    ids.insert(event.id, (event, schema));
                    catalog.events.insert(event.name, (event, schema));
                }
                for n in module.notifications {
                    if let Some(first) = catalog.notifications.get(&(n.source, n.ty)) {
                        let first_schema =
                            catalog.modules.get(first.module).copied().unwrap_or(schema);
                        problems.push(BuildProblem::DuplicateNotification {
                            source_name: n.source.to_owned(),
                            ty: n.ty,
                            first: format!(
                                "`{}` in {}",
                                first.name,
                                origin(first_schema, first.module, first.line)
                            ),
                            second: format!("`{}` in {}", n.name, origin(schema, n.module, n.line)),
                        });
                        continue;
                    }
                    catalog.notifications.insert((n.source, n.ty), n);
                }
            }
            for code in schema.error_codes() {
                match catalog.codes.get(&code.number) {
                    // The same enum compiled into two crates of one app: one code.
                    Some((name, category, _))
                        if *name == code.name && *category == code.category => {}
                    Some((name, _, first)) => problems.push(BuildProblem::DuplicateErrorCode {
                        number: code.number,
                        first: format!("`{name}` of `{}`", first.name()),
                        second: format!("`{}` of `{}`", code.name, schema.name()),
                    }),
                    None => {
                        catalog
                            .codes
                            .insert(code.number, (code.name, code.category, schema));
                    }
                }
            }
        }
        catalog
    }

    /// Every event of every schema, by name.
    pub(crate) fn events(&self) -> impl Iterator<Item = (&'static EventDef, &'static Schema)> + '_ {
        self.events.values().copied()
    }

    pub(crate) fn event(&self, name: &str) -> Option<&'static EventDef> {
        self.events.get(name).map(|(e, _)| *e)
    }

    pub(crate) fn has_module(&self, name: &str) -> bool {
        self.modules.contains_key(name)
    }

    pub(crate) fn has_notification(&self, source: &str, ty: i32) -> bool {
        self.notifications.contains_key(&(source, ty))
    }

    /// The category of code `number`: the protocol's, else the one the declaring schema gives.
    pub(crate) fn category(&self, number: i32) -> Option<ErrorCategory> {
        match ErrorCode::try_from(number) {
            Ok(code) => Some(code.category()),
            Err(_) => self.codes.get(&number).map(|(_, category, _)| *category),
        }
    }

    /// Sets the category the schemas assign to the code (SPEC.md REQ-ERR-9). A code no schema
    /// declares cannot be given one, so it is reported as the backend's own failure instead.
    pub(crate) fn normalize(&self, mut error: FlowyError) -> FlowyError {
        match self.category(error.code) {
            Some(category) => {
                error.category = category as i32;
                error
            }
            None => FlowyError::new(
                ErrorCode::Internal,
                format!(
                    "backend: a handler returned error code {}, which no schema declares",
                    error.code
                ),
            ),
        }
    }

    /// As [`normalize`](Self::normalize), for the answer of `event`'s handler: a code its table
    /// does not list (nor the protocol's own) is replaced by INTERNAL (SPEC.md REQ-ERR-14, REQ-ERR-16).
    pub(crate) fn normalize_answer(&self, event: &EventDef, error: FlowyError) -> FlowyError {
        let number = error.code;
        if eventwire_schema::is_protocol_number(number) || event.errors.allows(number) {
            return self.normalize(error);
        }
        let name = match ErrorCode::try_from(number) {
            Ok(code) => code.as_str_name(),
            Err(_) => self
                .codes
                .get(&number)
                .map_or("undeclared", |(name, _, _)| *name),
        };
        FlowyError::new(
            ErrorCode::Internal,
            format!(
                "backend: the handler for `{}` answered error code {number} ({name}), which its table does not list in `errors:`",
                event.name
            ),
        )
    }
}

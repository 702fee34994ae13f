//! The event tables: `schema/events/<module>.yaml`, loaded into typed values and validated.
//!
//! Loading collects every problem rather than stopping at the first, and names the file, the line
//! where it can be found, and the culprit. The rules are those of SPEC.md section 3; the JSON
//! Schema beside the tables (`events.schema.json`) describes the per-file shape only.

use std::{collections::BTreeMap, fmt, path::Path};

use prost_reflect::{DescriptorPool, EnumDescriptor, MessageDescriptor, Value};
use serde::Deserialize;

use crate::{
    EVENT_NAME_RULE, MODULE_NAME_RULE, is_event_name, is_module_name, is_package_name,
    pb::{ErrorCategory, ErrorCode},
};

/// Every module's events and notifications, validated as a whole.
#[derive(Debug, Clone)]
pub struct Tables {
    modules: Vec<Module>,
    error_codes: Vec<DeclaredCode>,
    by_name: BTreeMap<String, (usize, usize)>,
    by_key: BTreeMap<(String, i32), (usize, usize)>,
}

/// One table file.
#[derive(Debug, Clone)]
pub struct Module {
    pub name: String,
    pub package: String,
    /// The path the table was loaded from, as given to the loader.
    pub file: String,
    /// The 1-based line of its `module:` key, where found.
    pub line: Option<usize>,
    pub events: Vec<Event>,
    pub notifications: Vec<Notification>,
}

/// One event: the routing name, its stable id, and its types.
#[derive(Debug, Clone)]
pub struct Event {
    pub module: String,
    /// The routing key, unique across all modules.
    pub name: String,
    /// Stable numeric id, unique across all modules, never reused.
    pub id: u32,
    /// The input message; `None` for an event without input (its payload decodes as an empty
    /// message).
    pub input: Option<MessageDescriptor>,
    /// The output message; `None` for an event without output (its OK payload is empty).
    pub output: Option<MessageDescriptor>,
    /// The error codes the handler itself may return.
    pub errors: Errors,
    /// The event's deadline in milliseconds, if it overrides the backend default.
    pub timeout_ms: Option<u64>,
    pub doc: String,
    /// 1-based line of the event in its file, where it could be found.
    pub line: Option<usize>,
}

/// The error codes an event's handler may return, besides the protocol's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Errors {
    /// Any code (only the `conformance` module's RaiseError uses this).
    Any,
    Codes(Vec<DeclaredCode>),
}

impl Errors {
    /// Whether the list names the code numbered `number`.
    pub fn allows(&self, number: i32) -> bool {
        match self {
            Errors::Any => true,
            Errors::Codes(codes) => codes.iter().any(|c| c.number == number),
        }
    }
}

/// One error code a table can name: a value of the protocol's `eventwire.v1.ErrorCode`, or of an
/// application's own enum whose values carry `(eventwire.v1.category)` (SPEC.md section 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredCode {
    /// The number on the wire.
    pub number: i32,
    /// The name tables use: the value's name without its enum's prefix (`EMAIL_FORMAT_INVALID`
    /// for `ERROR_CODE_EMAIL_FORMAT_INVALID`, `TODO_NOT_FOUND` for `TODO_ERROR_CODE_TODO_NOT_FOUND`).
    pub name: String,
    /// The value's full protobuf name, e.g. `ERROR_CODE_EMAIL_FORMAT_INVALID`.
    pub value: String,
    /// The full name of the enum declaring it, e.g. `eventwire.v1.ErrorCode`.
    pub enum_name: String,
    pub category: ErrorCategory,
}

impl DeclaredCode {
    /// The protocol's code, if this is one.
    pub fn protocol(&self) -> Option<ErrorCode> {
        if self.enum_name == PROTOCOL_ENUM {
            ErrorCode::try_from(self.number).ok()
        } else {
            None
        }
    }

    fn of(value: &prost_reflect::EnumValueDescriptor, category: ErrorCategory) -> DeclaredCode {
        let prefix = enum_prefix(value.parent_enum());
        DeclaredCode {
            number: value.number(),
            name: value
                .name()
                .strip_prefix(&prefix)
                .unwrap_or(value.name())
                .to_owned(),
            value: value.name().to_owned(),
            enum_name: value.parent_enum().full_name().to_owned(),
            category,
        }
    }
}

const PROTOCOL_ENUM: &str = "eventwire.v1.ErrorCode";

/// `TodoErrorCode` -> `TODO_ERROR_CODE_`, the prefix protobuf style gives its values.
fn enum_prefix(e: &EnumDescriptor) -> String {
    let mut s = String::new();
    for (i, c) in e.name().char_indices() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_uppercase());
    }
    s.push('_');
    s
}

/// One notification kind, addressed by (source, ty).
#[derive(Debug, Clone)]
pub struct Notification {
    pub module: String,
    pub name: String,
    pub source: String,
    pub ty: i32,
    pub payload: MessageDescriptor,
    pub doc: String,
    pub line: Option<usize>,
}

impl Tables {
    /// Loads every `*.yaml` file of `dir`, in file-name order.
    pub fn load_dir(dir: impl AsRef<Path>, pool: &DescriptorPool) -> Result<Tables, LoadError> {
        let dir = dir.as_ref();
        let io_err = |e: std::io::Error| LoadError {
            errors: vec![TableError {
                file: dir.display().to_string(),
                line: None,
                kind: TableErrorKind::Io(e.to_string()),
            }],
        };
        let entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        // A table under another YAML extension would be silently left out: refuse it instead.
        let mut misnamed: Vec<_> = entries
            .iter()
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yml" || e == "YAML" || e == "YML")
            })
            .collect();
        misnamed.sort();
        if !misnamed.is_empty() {
            return Err(LoadError {
                errors: misnamed
                    .into_iter()
                    .map(|p| TableError {
                        file: p.display().to_string(),
                        line: None,
                        kind: TableErrorKind::NotYamlExtension {
                            suggested: p
                                .with_extension("yaml")
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                        },
                    })
                    .collect(),
            });
        }
        let mut paths: Vec<_> = entries
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        let mut sources = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(io_err)?;
            sources.push((p.display().to_string(), text));
        }
        Tables::from_sources(sources, pool)
    }

    /// Loads tables from `(path, text)` pairs; the path is used in errors only.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
        pool: &DescriptorPool,
    ) -> Result<Tables, LoadError> {
        let mut errors = Vec::new();
        let mut modules = Vec::new();
        let codes = collect_codes(pool, &mut errors);
        for (file, text) in sources {
            match serde_norway::from_str::<RawModule>(&text) {
                Ok(raw) => modules.push(resolve(raw, &file, &text, pool, &codes, &mut errors)),
                Err(e) => errors.push(TableError {
                    line: e.location().map(|l| l.line()),
                    file,
                    kind: TableErrorKind::Parse(with_key_hint(e.to_string())),
                }),
            }
        }
        let mut tables = index(modules, &mut errors);
        tables.error_codes = codes.application;
        if errors.is_empty() {
            Ok(tables)
        } else {
            Err(LoadError { errors })
        }
    }

    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// Every event, module by module in file order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.modules.iter().flat_map(|m| &m.events)
    }

    /// The event routed under `name`.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.by_name
            .get(name)
            .map(|&(m, e)| &self.modules[m].events[e])
    }

    /// Every notification, module by module in file order.
    pub fn notifications(&self) -> impl Iterator<Item = &Notification> {
        self.modules.iter().flat_map(|m| &m.notifications)
    }

    /// The application error codes the pool declares (every value of every enum other than the
    /// protocol's `ErrorCode` whose values carry `(eventwire.v1.category)`), in number order.
    pub fn error_codes(&self) -> &[DeclaredCode] {
        &self.error_codes
    }

    /// The notification kind addressed by (source, ty).
    pub fn notification(&self, source: &str, ty: i32) -> Option<&Notification> {
        self.by_key
            .get(&(source.to_owned(), ty))
            .map(|&(m, n)| &self.modules[m].notifications[n])
    }
}

/// Everything wrong with a set of tables.
#[derive(Debug, Clone, thiserror::Error)]
pub struct LoadError {
    pub errors: Vec<TableError>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TableError {
    pub file: String,
    pub line: Option<usize>,
    pub kind: TableErrorKind,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

/// What is wrong. Each variant names its culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableErrorKind {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("not a valid event table: {0}")]
    Parse(String),
    #[error("{what} name `{name}` breaks the naming rule: {rule}")]
    BadName {
        what: &'static str,
        name: String,
        rule: &'static str,
    },
    #[error("module `{name}` is declared again (first in {first_file}{})", line_suffix(*first_line))]
    DuplicateModule {
        name: String,
        first_file: String,
        first_line: Option<usize>,
    },
    #[error("event name `{name}` is already declared in {first_file}{} (event names route requests and must be unique across all modules)", line_suffix(*first_line))]
    DuplicateEventName {
        name: String,
        first_file: String,
        first_line: Option<usize>,
    },
    #[error("event `{name}` has id {id}, already used by event `{first_name}` in {first_file}{}", line_suffix(*first_line))]
    DuplicateEventId {
        name: String,
        id: u32,
        first_name: String,
        first_file: String,
        first_line: Option<usize>,
    },
    #[error(
        "{field} type `{type_name}` of `{owner}` is not a message of the schema's .proto files (a name without a dot is looked up in the table's `package`){}",
        did_you_mean(hint)
    )]
    UnknownType {
        owner: String,
        field: &'static str,
        type_name: String,
        hint: Option<String>,
    },
    #[error("event `{event}` lists `{code}`, which is neither a code of eventwire.v1.ErrorCode (written without the ERROR_CODE_ prefix) nor a value of an application error enum (an enum whose values carry `(eventwire.v1.category)`){}", did_you_mean(&code_hint(code)))]
    UnknownErrorCode { event: String, code: String },
    #[error("event `{event}` lists `{code}`, which several error enums declare ({}): write the full value name", candidates.join(", "))]
    AmbiguousErrorCode {
        event: String,
        code: String,
        candidates: Vec<String>,
    },
    #[error(
        "error code `{value}` has no `(eventwire.v1.category)`: every value of an error enum needs one"
    )]
    CodeWithoutCategory { value: String },
    #[error(
        "error code `{value}` = {number} takes a number the protocol keeps (0, 3, 49, 51, 90, 106, 127, 200-219) or is not positive: an application's codes use any other number from 1 up (SPEC.md REQ-ERR-15)"
    )]
    ReservedCodeNumber { value: String, number: i32 },
    #[error(
        "error code `{value}` = {number} reuses the number of `{first}`: a number means one code across all error enums"
    )]
    DuplicateCodeNumber {
        value: String,
        number: i32,
        first: String,
    },
    #[error("event `{event}`: errors must be a list of codes or `any`, not `{word}`{}", did_you_mean(&(word.eq_ignore_ascii_case("any")).then(|| "any".to_owned())))]
    BadErrors { event: String, word: String },
    #[error("event `{event}` lists `{code}` twice in its errors")]
    DuplicateErrorCode { event: String, code: String },
    #[error("{what} of `{owner}` is {value}; {rule}")]
    OutOfRange {
        owner: String,
        what: &'static str,
        value: i128,
        rule: &'static str,
    },
    #[error("the doc of `{owner}` is empty; say what it does")]
    EmptyDoc { owner: String },
    #[error(
        "package `{name}` breaks the naming rule: dot-separated lower snake case parts (as in a .proto `package`)"
    )]
    BadPackage { name: String },
    #[error(
        "event tables are `.yaml` files, so this one would be left out; did you mean `{suggested}`?"
    )]
    NotYamlExtension { suggested: String },
    #[error("notification `{name}` uses (source `{source_name}`, ty {ty}), already used by `{first_name}` in {first_file}{}", line_suffix(*first_line))]
    DuplicateNotification {
        name: String,
        source_name: String,
        ty: i32,
        first_name: String,
        first_file: String,
        first_line: Option<usize>,
    },
    #[error("notification name `{name}` is declared twice in module `{module}`")]
    DuplicateNotificationName { name: String, module: String },
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

fn did_you_mean(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!("; did you mean `{h}`?"))
        .unwrap_or_default()
}

/// The edit distance between two names, ignoring ASCII case.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (
        a.to_ascii_lowercase().chars().collect(),
        b.to_ascii_lowercase().chars().collect(),
    );
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be what was meant.
fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(2);
    let score = |c: &str| {
        let (n, l) = (name.to_ascii_lowercase(), c.to_ascii_lowercase());
        // A name cut short or run on (`timeout` for `timeout_ms`) is as close as a typo.
        if name.len() >= 3 && (l.starts_with(&n) || n.starts_with(&l)) {
            1
        } else {
            distance(name, c)
        }
    };
    candidates
        .into_iter()
        .map(|c| (score(c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_owned())
}

/// The ErrorCode value name (without its prefix) closest to `code`.
fn code_hint(code: &str) -> Option<String> {
    let names: Vec<String> = (0..=255)
        .filter_map(|n| ErrorCode::try_from(n).ok())
        .map(|c| c.as_str_name().trim_start_matches("ERROR_CODE_").to_owned())
        .collect();
    let stripped = code.trim_start_matches("ERROR_CODE_");
    if stripped != code && names.iter().any(|n| n == stripped) {
        return Some(stripped.to_owned());
    }
    closest(code, names.iter().map(String::as_str))
}

/// serde's "unknown field `x`, expected one of `a`, `b`", with the closest expected key named.
fn with_key_hint(message: String) -> String {
    let Some((_, rest)) = message.split_once("unknown field `") else {
        return message;
    };
    let Some((unknown, rest)) = rest.split_once('`') else {
        return message;
    };
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    match closest(unknown, expected) {
        Some(key) => format!("{message}; did you mean `{key}`?"),
        None => message,
    }
}

/// The line of the first `key:` after line `from` (1-based), before the next list entry: where
/// a field of the entry that starts at `from` is written.
fn line_after(text: &str, from: Option<usize>, key: &str) -> Option<usize> {
    let from = from?;
    text.lines()
        .enumerate()
        .skip(from)
        .take_while(|(_, l)| !l.trim_start().starts_with("- "))
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.starts_with(':'))
        })
        .map(|(i, _)| i + 1)
        .or(Some(from))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    module: String,
    package: String,
    events: Vec<RawEvent>,
    #[serde(default)]
    notifications: Vec<RawNotification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    name: String,
    id: u32,
    input: Option<String>,
    output: Option<String>,
    errors: RawErrors,
    timeout_ms: Option<u64>,
    doc: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawErrors {
    Word(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotification {
    name: String,
    source: String,
    ty: i32,
    payload: String,
    doc: String,
}

/// The 1-based line of the `nth` (0-based) entry whose `key:` is `value`, e.g. `- name: SignIn`.
fn line_of(text: &str, key: &str, value: &str, nth: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start().trim_start_matches('-').trim_start();
            l.strip_prefix(key)
                .and_then(|r| r.strip_prefix(':'))
                .map(|r| {
                    r.split('#')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['"', '\''])
                        == value
                })
                .unwrap_or(false)
        })
        .nth(nth)
        .map(|(i, _)| i + 1)
}

/// Every code a table may name: the protocol's and the application's.
struct Codes {
    protocol: Vec<DeclaredCode>,
    application: Vec<DeclaredCode>,
}

impl Codes {
    /// Resolves a name from an `errors:` list: a protocol code by its short name only, else an
    /// application code by its short or full value name.
    fn find(&self, name: &str) -> Result<&DeclaredCode, Vec<&DeclaredCode>> {
        // The protocol's codes are written without their prefix (`INTERNAL`), as they always were.
        if let Some(c) = self.protocol.iter().find(|c| c.name == name) {
            return Ok(c);
        }
        let found: Vec<&DeclaredCode> = self
            .application
            .iter()
            .filter(|c| c.name == name || c.value == name)
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            _ => Err(found),
        }
    }
}

/// The protocol's codes, and every application enum whose values carry `(eventwire.v1.category)`:
/// each of its values must carry one, take a number outside the protocol's (SPEC.md REQ-ERR-15)
/// and not reuse a number another error enum declares.
fn collect_codes(pool: &DescriptorPool, errors: &mut Vec<TableError>) -> Codes {
    let mut codes = Codes {
        protocol: Vec::new(),
        application: Vec::new(),
    };
    let mut by_number: BTreeMap<i32, String> = BTreeMap::new();
    // The protocol's codes are known whether or not the tables' files import errors.proto.
    let protocol = crate::protocol_descriptor_pool();
    if let (Some(e), Some(ext)) = (
        protocol.get_enum_by_name(PROTOCOL_ENUM),
        protocol.get_extension_by_name("eventwire.v1.category"),
    ) {
        for v in e.values() {
            let category = category_of(&v, &ext).unwrap_or(ErrorCategory::Unspecified);
            by_number.insert(v.number(), v.full_name().to_owned());
            codes.protocol.push(DeclaredCode::of(&v, category));
        }
    }
    let Some(ext) = pool.get_extension_by_name("eventwire.v1.category") else {
        return codes;
    };
    for e in pool.all_enums().filter(|e| e.full_name() != PROTOCOL_ENUM) {
        let values: Vec<_> = e.values().collect();
        if !values.iter().any(|v| category_of(v, &ext).is_some()) {
            continue;
        }
        let err = |kind| TableError {
            file: e.parent_file().name().to_owned(),
            line: enum_value_line(&e, None),
            kind,
        };
        for (index, v) in values.into_iter().enumerate() {
            // proto3 requires a zero value; in an application's enum it is not a code of its own
            // (number 0 is the protocol's INTERNAL), with or without a category.
            if v.number() == 0 {
                continue;
            }
            let line = enum_value_line(&e, Some(index));
            let Some(category) = category_of(&v, &ext) else {
                errors.push(TableError {
                    line,
                    ..err(TableErrorKind::CodeWithoutCategory {
                        value: v.full_name().to_owned(),
                    })
                });
                continue;
            };
            let code = DeclaredCode::of(&v, category);
            if code.number <= 0 || crate::is_protocol_number(code.number) {
                errors.push(TableError {
                    line,
                    ..err(TableErrorKind::ReservedCodeNumber {
                        value: v.full_name().to_owned(),
                        number: code.number,
                    })
                });
                continue;
            }
            if let Some(first) = by_number.get(&code.number) {
                errors.push(TableError {
                    line,
                    ..err(TableErrorKind::DuplicateCodeNumber {
                        value: v.full_name().to_owned(),
                        number: code.number,
                        first: first.clone(),
                    })
                });
                continue;
            }
            by_number.insert(code.number, v.full_name().to_owned());
            codes.application.push(code);
        }
    }
    codes.application.sort_by_key(|c| c.number);
    codes
}

fn category_of(
    v: &prost_reflect::EnumValueDescriptor,
    ext: &prost_reflect::ExtensionDescriptor,
) -> Option<ErrorCategory> {
    let options = v.options();
    if !options.has_extension(ext) {
        return None;
    }
    match options.get_extension(ext).into_owned() {
        Value::EnumNumber(n) => {
            Some(ErrorCategory::try_from(n).unwrap_or(ErrorCategory::Unspecified))
        }
        _ => None,
    }
}

/// The 1-based line of an enum (or of its `value`-th value) in its file, from the source info.
fn enum_value_line(e: &EnumDescriptor, value: Option<usize>) -> Option<usize> {
    let file = e.parent_file();
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    // Path of a top-level enum: [5 (enum_type), index]; nested: [4, i, 4, j, ..., 4 (enum_type), k].
    let mut path = e.path().to_vec();
    if let Some(v) = value {
        path.extend([2, v as i32]);
    }
    info.location
        .iter()
        .find(|l| l.path == path)
        .and_then(|l| l.span.first())
        .map(|&l| l as usize + 1)
}

fn resolve(
    raw: RawModule,
    file: &str,
    text: &str,
    pool: &DescriptorPool,
    codes: &Codes,
    errors: &mut Vec<TableError>,
) -> Module {
    let err = |line, kind| TableError {
        file: file.to_owned(),
        line,
        kind,
    };
    if !is_module_name(&raw.module) {
        errors.push(err(
            line_of(text, "module", &raw.module, 0),
            TableErrorKind::BadName {
                what: "module",
                name: raw.module.clone(),
                rule: MODULE_NAME_RULE,
            },
        ));
    }
    if !is_package_name(&raw.package) {
        errors.push(err(
            line_of(text, "package", &raw.package, 0),
            TableErrorKind::BadPackage {
                name: raw.package.clone(),
            },
        ));
    }
    let mut seen_names: BTreeMap<String, usize> = BTreeMap::new();
    let mut nth = |name: &str| {
        let n = seen_names.entry(name.to_owned()).or_default();
        *n += 1;
        *n - 1
    };
    let message =
        |owner: &str, field: &'static str, name: &str, line, errors: &mut Vec<TableError>| {
            let full = match name.strip_prefix('.') {
                Some(full) => full.to_owned(),
                None => format!("{}.{name}", raw.package),
            };
            let found = pool.get_message_by_name(&full);
            if found.is_none() {
                // The closest message of the file's package (or of any package, for a full name).
                let short = name.rsplit('.').next().unwrap_or(name);
                let names: Vec<String> = pool
                    .all_messages()
                    .filter(|m| m.package_name() == raw.package || name.starts_with('.'))
                    .map(|m| m.name().to_owned())
                    .collect();
                let hint = closest(short, names.iter().map(String::as_str)).map(|h| {
                    if name.starts_with('.') {
                        pool.all_messages()
                            .find(|m| m.name() == h)
                            .map(|m| format!(".{}", m.full_name()))
                            .unwrap_or(h)
                    } else {
                        h
                    }
                });
                errors.push(err(
                    line,
                    TableErrorKind::UnknownType {
                        owner: owner.to_owned(),
                        field,
                        type_name: name.to_owned(),
                        hint,
                    },
                ));
            }
            found
        };

    let mut events = Vec::new();
    for e in &raw.events {
        let line = line_of(text, "name", &e.name, nth(&e.name));
        if !is_event_name(&e.name) {
            errors.push(err(
                line,
                TableErrorKind::BadName {
                    what: "event",
                    name: e.name.clone(),
                    rule: EVENT_NAME_RULE,
                },
            ));
        }
        // The ranges of events.schema.json (SPEC.md REQ-MSG-14 for timeout_ms).
        if !(1..=65535).contains(&e.id) {
            errors.push(err(
                line_after(text, line, "id"),
                TableErrorKind::OutOfRange {
                    owner: e.name.clone(),
                    what: "the id",
                    value: e.id.into(),
                    rule: "an event id is from 1 to 65535",
                },
            ));
        }
        if e.timeout_ms == Some(0) {
            errors.push(err(line_after(text, line, "timeout_ms"), TableErrorKind::OutOfRange { owner: e.name.clone(), what: "timeout_ms", value: 0, rule: "a deadline is a positive number of milliseconds (leave it out for the backend's default)" }));
        }
        if e.doc.is_empty() {
            errors.push(err(
                line,
                TableErrorKind::EmptyDoc {
                    owner: e.name.clone(),
                },
            ));
        }
        let input = e
            .input
            .as_deref()
            .and_then(|t| message(&e.name, "input", t, line, errors));
        let output = e
            .output
            .as_deref()
            .and_then(|t| message(&e.name, "output", t, line, errors));
        let errs = match &e.errors {
            RawErrors::Word(w) if w == "any" => Errors::Any,
            RawErrors::Word(w) => {
                errors.push(err(
                    line,
                    TableErrorKind::BadErrors {
                        event: e.name.clone(),
                        word: w.clone(),
                    },
                ));
                Errors::Codes(Vec::new())
            }
            RawErrors::List(list) => Errors::Codes(
                list.iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        if list[..i].contains(c) {
                            errors.push(err(
                                line,
                                TableErrorKind::DuplicateErrorCode {
                                    event: e.name.clone(),
                                    code: c.clone(),
                                },
                            ));
                            return None;
                        }
                        match codes.find(c) {
                            Ok(code) => Some(code.clone()),
                            Err(ambiguous) if ambiguous.len() > 1 => {
                                errors.push(err(
                                    line,
                                    TableErrorKind::AmbiguousErrorCode {
                                        event: e.name.clone(),
                                        code: c.clone(),
                                        candidates: ambiguous
                                            .iter()
                                            .map(|c| format!("{}.{}", c.enum_name, c.value))
                                            .collect(),
                                    },
                                ));
                                None
                            }
                            Err(_) => {
                                errors.push(err(
                                    line,
                                    TableErrorKind::UnknownErrorCode {
                                        event: e.name.clone(),
                                        code: c.clone(),
                                    },
                                ));
                                None
                            }
                        }
                    })
                    .collect(),
            ),
        };
        events.push(Event {
            module: raw.module.clone(),
            name: e.name.clone(),
            id: e.id,
            input,
            output,
            errors: errs,
            timeout_ms: e.timeout_ms,
            doc: e.doc.clone(),
            line,
        });
    }

    let mut notifications = Vec::new();
    let mut names = BTreeMap::new();
    for n in &raw.notifications {
        let line = line_of(text, "name", &n.name, nth(&n.name));
        if !is_event_name(&n.name) {
            errors.push(err(
                line,
                TableErrorKind::BadName {
                    what: "notification",
                    name: n.name.clone(),
                    rule: EVENT_NAME_RULE,
                },
            ));
        }
        if !is_module_name(&n.source) {
            errors.push(err(
                line,
                TableErrorKind::BadName {
                    what: "notification source",
                    name: n.source.clone(),
                    rule: MODULE_NAME_RULE,
                },
            ));
        }
        if n.ty < 0 {
            errors.push(err(
                line_after(text, line, "ty"),
                TableErrorKind::OutOfRange {
                    owner: n.name.clone(),
                    what: "ty",
                    value: n.ty.into(),
                    rule: "a notification ty is from 0 to 2147483647",
                },
            ));
        }
        if n.doc.is_empty() {
            errors.push(err(
                line,
                TableErrorKind::EmptyDoc {
                    owner: n.name.clone(),
                },
            ));
        }
        if names.insert(n.name.clone(), ()).is_some() {
            errors.push(err(
                line,
                TableErrorKind::DuplicateNotificationName {
                    name: n.name.clone(),
                    module: raw.module.clone(),
                },
            ));
        }
        if let Some(payload) = message(&n.name, "payload", &n.payload, line, errors) {
            notifications.push(Notification {
                module: raw.module.clone(),
                name: n.name.clone(),
                source: n.source.clone(),
                ty: n.ty,
                payload,
                doc: n.doc.clone(),
                line,
            });
        }
    }
    let module_line = line_of(text, "module", &raw.module, 0);
    Module {
        name: raw.module,
        package: raw.package,
        file: file.to_owned(),
        line: module_line,
        events,
        notifications,
    }
}

/// Cross-file rules: unique module names, event names, event ids and (source, ty) pairs.
fn index(modules: Vec<Module>, errors: &mut Vec<TableError>) -> Tables {
    let mut by_name: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_id: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    let mut by_key: BTreeMap<(String, i32), (usize, usize)> = BTreeMap::new();
    let mut module_files: BTreeMap<&str, &Module> = BTreeMap::new();
    for (mi, m) in modules.iter().enumerate() {
        if let Some(first) = module_files.insert(&m.name, m) {
            errors.push(TableError {
                file: m.file.clone(),
                line: m.line,
                kind: TableErrorKind::DuplicateModule {
                    name: m.name.clone(),
                    first_file: first.file.clone(),
                    first_line: first.line,
                },
            });
        }
        for (ei, e) in m.events.iter().enumerate() {
            if let Some(&(fm, fe)) = by_name.get(&e.name) {
                let first: &Event = &modules[fm].events[fe];
                errors.push(TableError {
                    file: m.file.clone(),
                    line: e.line,
                    kind: TableErrorKind::DuplicateEventName {
                        name: e.name.clone(),
                        first_file: modules[fm].file.clone(),
                        first_line: first.line,
                    },
                });
            } else {
                by_name.insert(e.name.clone(), (mi, ei));
            }
            if let Some(&(fm, fe)) = by_id.get(&e.id) {
                errors.push(TableError {
                    file: m.file.clone(),
                    line: e.line,
                    kind: TableErrorKind::DuplicateEventId {
                        name: e.name.clone(),
                        id: e.id,
                        first_name: modules[fm].events[fe].name.clone(),
                        first_file: modules[fm].file.clone(),
                        first_line: modules[fm].events[fe].line,
                    },
                });
            } else {
                by_id.insert(e.id, (mi, ei));
            }
        }
        for (ni, n) in m.notifications.iter().enumerate() {
            let key = (n.source.clone(), n.ty);
            if let Some(&(fm, fnn)) = by_key.get(&key) {
                let first: &Notification = &modules[fm].notifications[fnn];
                errors.push(TableError {
                    file: m.file.clone(),
                    line: n.line,
                    kind: TableErrorKind::DuplicateNotification {
                        name: n.name.clone(),
                        source_name: n.source.clone(),
                        ty: n.ty,
                        first_name: first.name.clone(),
                        first_file: modules[fm].file.clone(),
                        first_line: first.line,
                    },
                });
            } else {
                by_key.insert(key, (mi, ni));
            }
        }
    }
    Tables {
        modules,
        error_codes: Vec::new(),
        by_name,
        by_key,
    }
}

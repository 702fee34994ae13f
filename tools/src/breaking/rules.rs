//! The rules of `schema breaking`: each with a stable id, a severity, the direction it breaks in,
//! and the SPEC.md requirement it enforces. Ids are never renamed or reused; docs/evolving-a-schema.md
//! lists them from this table (a test keeps the two equal).

use std::fmt;

/// How bad a finding is. An `Error` fails the check; a `Warning` is printed and does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Which pairing of peers a change breaks. "Older" and "newer" are the two schema revisions
/// compared: the revision checked against (older) and the one being checked (newer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A front end built from the older schema, talking to a core built from the newer one.
    OlderFrontEnd,
    /// A front end built from the newer schema, talking to a core built from the older one.
    NewerFrontEnd,
    /// Both pairings.
    Both,
}

impl Direction {
    pub fn describe(self) -> &'static str {
        match self {
            Direction::OlderFrontEnd => "breaks an older front end against a newer core",
            Direction::NewerFrontEnd => "breaks a newer front end against an older core",
            Direction::Both => {
                "breaks both an older front end against a newer core and a newer front end against an older core"
            }
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Direction::OlderFrontEnd => "older front end / newer core",
            Direction::NewerFrontEnd => "newer front end / older core",
            Direction::Both => "both",
        }
    }
}

/// One rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, UPPER_SNAKE_CASE.
    pub id: &'static str,
    pub severity: Severity,
    pub direction: Direction,
    /// The SPEC.md requirement(s) the rule enforces.
    pub spec: &'static str,
    /// One line: what the rule reports.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $sev:ident, $dir:ident, $spec:literal, $summary:literal;)*) => {
        $(pub const $name: &Rule = &Rule {
            id: $id,
            severity: Severity::$sev,
            direction: Direction::$dir,
            spec: $spec,
            summary: $summary,
        };)*
        /// Every rule, in the order the docs list them.
        pub const ALL: &[&Rule] = &[$($name),*];
    };
}

rules! {
    FIELD_REMOVED_NOT_RESERVED = "FIELD_REMOVED_NOT_RESERVED", Error, Both, "REQ-VER-2",
        "A field was removed and its number or name is not `reserved` in its message.";
    FIELD_NUMBER_REUSED = "FIELD_NUMBER_REUSED", Error, Both, "REQ-VER-2",
        "A field number now means another field: it was reserved, or it holds a field of another name and type.";
    FIELD_RENUMBERED = "FIELD_RENUMBERED", Error, Both, "REQ-VER-2",
        "A field kept its name but moved to another number.";
    FIELD_TYPE_CHANGED = "FIELD_TYPE_CHANGED", Error, Both, "REQ-VER-2",
        "A field's type changed (even to a wire-compatible one).";
    FIELD_LABEL_CHANGED = "FIELD_LABEL_CHANGED", Error, Both, "REQ-VER-2",
        "A field's label changed: singular, `optional` (explicit presence), `repeated` or map.";
    FIELD_ONEOF_CHANGED = "FIELD_ONEOF_CHANGED", Error, Both, "REQ-VER-7",
        "A field moved into, out of, or between oneofs.";
    FIELD_JSON_NAME_CHANGED = "FIELD_JSON_NAME_CHANGED", Error, Both, "REQ-VER-8",
        "A field's JSON name changed (by a rename or by `json_name`).";
    FIELD_RENAMED = "FIELD_RENAMED", Error, Both, "REQ-VER-8",
        "A field was renamed, even keeping its JSON name with `json_name`: proto-JSON parsers accept the field name too.";
    RESERVATION_REMOVED = "RESERVATION_REMOVED", Error, Both, "REQ-VER-2",
        "A reserved number or name of a message or enum is no longer reserved (and not reused either).";
    ENUM_VALUE_REMOVED_NOT_RESERVED = "ENUM_VALUE_REMOVED_NOT_RESERVED", Error, Both, "REQ-VER-2",
        "An enum value was removed and its number or name is not `reserved` in its enum.";
    ENUM_VALUE_NUMBER_REUSED = "ENUM_VALUE_NUMBER_REUSED", Error, Both, "REQ-VER-2",
        "An enum value number that was reserved is used again.";
    ENUM_VALUE_RENAMED = "ENUM_VALUE_RENAMED", Error, Both, "REQ-VER-8",
        "An enum value number kept its meaning but changed its name (its JSON form).";
    ENUM_VALUE_RENUMBERED = "ENUM_VALUE_RENUMBERED", Error, Both, "REQ-VER-2",
        "An enum value kept its name but moved to another number.";
    FROZEN_NUMBER_ASSIGNED = "FROZEN_NUMBER_ASSIGNED", Error, Both, "REQ-VER-4",
        "A field numbered 1 to 5 was added to FFIRequest, FFIResponse, FlowyError or SubscribeObject, or a value to FFIStatusCode.";
    ERROR_CODE_CATEGORY_CHANGED = "ERROR_CODE_CATEGORY_CHANGED", Error, Both, "REQ-VER-3",
        "An error code (a value carrying `(eventwire.v1.category)`) changed category, or lost it.";
    EVENT_REMOVED = "EVENT_REMOVED", Error, OlderFrontEnd, "REQ-VER-9",
        "An event was removed: an older front end's call is answered UNKNOWN_EVENT.";
    EVENT_RENAMED = "EVENT_RENAMED", Error, Both, "REQ-VER-2, REQ-VER-9",
        "An event id now carries another name: the event was renamed (the name is the routing key).";
    EVENT_RENUMBERED = "EVENT_RENUMBERED", Error, Both, "REQ-VER-2, REQ-MSG-9",
        "An event kept its name but changed its id.";
    EVENT_ID_REUSED = "EVENT_ID_REUSED", Error, Both, "REQ-VER-2, REQ-MSG-9",
        "An event id that belonged to another event (still declared, or removed) is given to a new one.";
    EVENT_INPUT_INCOMPATIBLE = "EVENT_INPUT_INCOMPATIBLE", Error, Both, "REQ-VER-3",
        "An event's input type was replaced by one that is not wire- and JSON-compatible with it.";
    EVENT_OUTPUT_INCOMPATIBLE = "EVENT_OUTPUT_INCOMPATIBLE", Error, Both, "REQ-VER-3",
        "An event's output type was replaced by one that is not wire- and JSON-compatible with it.";
    EVENT_ERROR_REMOVED = "EVENT_ERROR_REMOVED", Warning, NewerFrontEnd, "REQ-VER-11",
        "An event's errors list lost a code (or `any` became a list): an older core may still return it.";
    EVENT_MODULE_CHANGED = "EVENT_MODULE_CHANGED", Warning, Both, "REQ-VER-11",
        "An event moved to another module: capability patterns `module.*` and generated code change.";
    MODULE_RENAMED = "MODULE_RENAMED", Error, Both, "REQ-VER-9",
        "A module was renamed: capability patterns and generated code that name it stop matching.";
    NOTIFICATION_REMOVED = "NOTIFICATION_REMOVED", Error, OlderFrontEnd, "REQ-VER-9",
        "A notification kind was removed: an older front end's listeners never fire again.";
    NOTIFICATION_KEY_REUSED = "NOTIFICATION_KEY_REUSED", Error, Both, "REQ-VER-2",
        "A (source, ty) pair now addresses another notification.";
    NOTIFICATION_REKEYED = "NOTIFICATION_REKEYED", Error, Both, "REQ-VER-2",
        "A notification kept its name but moved to another (source, ty).";
    NOTIFICATION_PAYLOAD_INCOMPATIBLE = "NOTIFICATION_PAYLOAD_INCOMPATIBLE", Error, Both, "REQ-VER-10",
        "A notification's payload type was replaced by one that is not wire- and JSON-compatible with it.";
    NOTIFICATION_RENAMED = "NOTIFICATION_RENAMED", Warning, Both, "REQ-VER-11",
        "A notification kept its (source, ty) and payload but changed its name: generated code changes.";
}

/// The rule with `id`.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// The rule list as the Markdown table of docs/evolving-a-schema.md.
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| id | severity | breaks | SPEC | what it reports |\n|---|---|---|---|---|\n",
    );
    for r in ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.id,
            r.severity,
            r.direction.short(),
            r.spec,
            r.summary.replace('|', "\\|")
        ));
    }
    s
}

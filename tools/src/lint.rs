//! `schema lint`: the event-table rules (through `eventwire-schema`) and proto style rules checked
//! on the compiled descriptors, with source positions from the descriptor set's source info.
//!
//! Proto rules, for every file of an `eventwire.*` package:
//! - fields are declared in ascending field-number order;
//! - message and enum names are UpperCamelCase;
//! - field names are lower_snake_case;
//! - enum values are UPPER_SNAKE_CASE and start with the enum name in UPPER_SNAKE_CASE plus `_`;
//! - every `ErrorCode` value declares an `(eventwire.v1.category)`.

use std::{fmt, path::Path};

use eventwire_schema::Tables;
use prost_reflect::{DescriptorPool, EnumDescriptor, FileDescriptor, MessageDescriptor};

/// One rule broken, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A proto file (relative to `schema/proto/`) or a table file.
    pub file: String,
    pub line: Option<usize>,
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: [{}] {}", self.file, l, self.rule, self.message),
            None => write!(f, "{}: [{}] {}", self.file, self.rule, self.message),
        }
    }
}

/// Everything `schema lint` reports for the tables in `tables_dir` and the protos in `pool`.
pub fn lint(tables_dir: &Path, pool: &DescriptorPool) -> Vec<Finding> {
    let mut findings = lint_tables(tables_dir, pool);
    findings.extend(lint_protos(pool));
    findings
}

pub fn lint_tables(dir: &Path, pool: &DescriptorPool) -> Vec<Finding> {
    match Tables::load_dir(dir, pool) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .errors
            .into_iter()
            .map(|e| Finding {
                file: e.file,
                line: e.line,
                rule: "event-table",
                message: e.kind.to_string(),
            })
            .collect(),
    }
}

pub fn lint_protos(pool: &DescriptorPool) -> Vec<Finding> {
    lint_proto_files(pool, |f| f.package_name().starts_with("eventwire."))
}

/// The proto style rules over the files of `pool` that `own` selects (an app's own files, not
/// those it imports).
pub fn lint_proto_files(
    pool: &DescriptorPool,
    own: impl Fn(&FileDescriptor) -> bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in pool.files().filter(|f| own(f)) {
        for m in file.messages() {
            lint_message(&file, &m, &mut findings);
        }
        for e in file.enums() {
            lint_enum(&file, &e, &mut findings);
        }
    }
    if let (Some(code), Some(ext)) = (
        pool.get_enum_by_name("eventwire.v1.ErrorCode"),
        pool.get_extension_by_name("eventwire.v1.category"),
    ) {
        for v in code.values() {
            if !v.options().has_extension(&ext) {
                findings.push(at(
                    &code.parent_file(),
                    v.path(),
                    "error-category",
                    format!(
                        "ErrorCode value {} declares no (eventwire.v1.category)",
                        v.name()
                    ),
                ));
            }
        }
    }
    findings
}

fn lint_message(file: &FileDescriptor, m: &MessageDescriptor, findings: &mut Vec<Finding>) {
    if m.is_map_entry() {
        return;
    }
    if !is_upper_camel(m.name()) {
        findings.push(at(
            file,
            m.path(),
            "message-name",
            format!("message `{}` is not UpperCamelCase", m.name()),
        ));
    }
    // Declaration order is source order; sort by span so the rule holds even for a descriptor
    // set whose field list was reordered by a tool.
    let mut fields: Vec<_> = m
        .fields()
        .map(|f| (line_of(file, f.path()).unwrap_or(0), f))
        .collect();
    fields.sort_by_key(|(line, _)| *line);
    let mut last: Option<(u32, String)> = None;
    for (_, f) in &fields {
        if !is_lower_snake(f.name()) {
            findings.push(at(
                file,
                f.path(),
                "field-name",
                format!("field `{}.{}` is not lower_snake_case", m.name(), f.name()),
            ));
        }
        if let Some((n, name)) = &last {
            if f.number() < *n {
                findings.push(at(file, f.path(), "field-order", format!("field `{}.{}` = {} is declared after `{name}` = {n}: declare fields in ascending number order", m.name(), f.name(), f.number())));
            }
        }
        last = Some((f.number(), f.name().to_owned()));
    }
    for nested in m.child_messages() {
        lint_message(file, &nested, findings);
    }
    for e in m.child_enums() {
        lint_enum(file, &e, findings);
    }
}

fn lint_enum(file: &FileDescriptor, e: &EnumDescriptor, findings: &mut Vec<Finding>) {
    if !is_upper_camel(e.name()) {
        findings.push(at(
            file,
            e.path(),
            "enum-name",
            format!("enum `{}` is not UpperCamelCase", e.name()),
        ));
    }
    let prefix = format!("{}_", upper_snake(e.name()));
    for v in e.values() {
        if !is_upper_snake(v.name()) {
            findings.push(at(
                file,
                v.path(),
                "enum-value-name",
                format!("enum value `{}` is not UPPER_SNAKE_CASE", v.name()),
            ));
        } else if !v.name().starts_with(&prefix) || v.name().len() == prefix.len() {
            findings.push(at(
                file,
                v.path(),
                "enum-value-prefix",
                format!("enum value `{}` does not start with `{prefix}`", v.name()),
            ));
        }
    }
}

fn at(file: &FileDescriptor, path: &[i32], rule: &'static str, message: String) -> Finding {
    Finding {
        file: file.name().to_owned(),
        line: line_of(file, path),
        rule,
        message,
    }
}

/// The 1-based line of the declaration at `path`, from the file's source info.
fn line_of(file: &FileDescriptor, path: &[i32]) -> Option<usize> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let loc = info.location.iter().find(|l| l.path == path)?;
    loc.span.first().map(|l| *l as usize + 1)
}

pub fn is_upper_camel(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

pub fn is_lower_snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

pub fn is_upper_snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// `FFIStatusCode` -> `FFI_STATUS_CODE`, `AllTypesPB` -> `ALL_TYPES_PB` (protoc's convention
/// for enum value prefixes, acronyms kept together).
pub fn upper_snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversions() {
        assert_eq!(upper_snake("FFIStatusCode"), "FFI_STATUS_CODE");
        assert_eq!(upper_snake("AllTypesPB"), "ALL_TYPES_PB");
        assert_eq!(upper_snake("ErrorCode"), "ERROR_CODE");
        assert!(is_upper_camel("FFIRequest"));
        assert!(!is_upper_camel("ffiRequest"));
        assert!(!is_upper_camel("Snake_Case"));
        assert!(is_lower_snake("r_int32_packed"));
        assert!(!is_lower_snake("fInt32"));
        assert!(!is_lower_snake("trailing_"));
        assert!(is_upper_snake("ERROR_CODE_INTERNAL"));
        assert!(!is_upper_snake("Error_Code"));
    }
}

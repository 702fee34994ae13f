//! TypeScript generation: one file per module with a function per event and an `on...`
//! subscription per notification, written to `bindings/ts/src/gen/events/` and checked in.
//!
//! Only the event layer is generated here. The message types and schemas come from
//! `protoc-gen-es` (run by `buf generate` in `bindings/ts/`), the standard generator of the
//! protobuf runtime the package builds on; the files written here import them under the names
//! it gives them (`FooPB` for the type, `FooPBSchema` for the schema, enum values without their
//! prefix). The runtime the functions call (`Client`, `EventDesc`, `Result`) is hand-written in
//! `bindings/ts/src/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::GeneratedFile;
use super::model::{EventModel, Model, ModuleModel, NotificationModel, TypeRef};

/// Where the generated files live, relative to the repository root.
pub const OUT_DIR: &str = "bindings/ts/src/gen/events";

/// Import lists longer than this are written one name per line.
const MAX_LINE: usize = 120;

/// The file that re-exports every module as a namespace.
const INDEX: &str = "index.ts";

/// Every generated file, in a stable order: one per module, then the index.
pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = model.modules.iter().map(module_file).collect();
    files.push(index_file(model));
    files
}

/// How a checked-in file differs from what [`generate`] produces now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The generator produces the file but it is not on disk.
    Missing { path: String },
    /// The file on disk differs from the generator's output.
    Differs { path: String },
    /// A `.ts` file in the output directory that the generator no longer produces.
    Stale { path: String },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing { path } => write!(f, "{path}: missing (run `eventwire-tools codegen ts`)"),
            Drift::Differs { path } => write!(f, "{path}: out of date (run `eventwire-tools codegen ts`)"),
            Drift::Stale { path } => write!(f, "{path}: no longer generated; delete it"),
        }
    }
}

/// Compares the generated files with those under `repo_root`; an empty list means no drift.
pub fn check(model: &Model, repo_root: &Path) -> std::io::Result<Vec<Drift>> {
    let files = generate(model);
    let mut drift = Vec::new();
    for file in &files {
        match std::fs::read_to_string(repo_root.join(&file.path)) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(_) => drift.push(Drift::Differs { path: file.path.clone() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.push(Drift::Missing { path: file.path.clone() }),
            Err(e) => return Err(e),
        }
    }
    for path in stale_files(&files, repo_root)? {
        drift.push(Drift::Stale { path });
    }
    Ok(drift)
}

/// Writes the generated files under `repo_root` and deletes stale ones; returns the paths that
/// changed (written or deleted), so that a clean tree reports none.
pub fn write(model: &Model, repo_root: &Path) -> std::io::Result<Vec<String>> {
    let files = generate(model);
    let mut changed = Vec::new();
    for file in &files {
        let path = repo_root.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &file.contents)?;
        changed.push(file.path.clone());
    }
    for path in stale_files(&files, repo_root)? {
        std::fs::remove_file(repo_root.join(&path))?;
        changed.push(path);
    }
    Ok(changed)
}

fn stale_files(files: &[GeneratedFile], repo_root: &Path) -> std::io::Result<Vec<String>> {
    let expected: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let dir: PathBuf = repo_root.join(OUT_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut stale = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let path = format!("{OUT_DIR}/{name}");
        if name.ends_with(".ts") && !expected.contains(path.as_str()) {
            stale.push(path);
        }
    }
    stale.sort();
    Ok(stale)
}

// ---------------------------------------------------------------------------------------------
// Names

/// Words a generated identifier must not be: the reserved words of ECMAScript and TypeScript in
/// any context, plus the names each generated file declares itself.
const RESERVED: &[&str] = &[
    "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "eval", "export", "extends", "false", "finally", "for", "function", "if", "implements",
    "import", "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public",
    "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with",
    "yield", "events", "notifications",
];

/// `SignIn` -> `signIn`, `URLPreview` -> `urlPreview`; a reserved word gets a trailing `_`.
pub fn function_name(event: &str) -> String {
    let chars: Vec<char> = event.chars().collect();
    let upper_run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    // In `URLPreview` the run is `URLP`, and its last letter starts the next word.
    let lower = if upper_run > 1 && upper_run < chars.len() { upper_run - 1 } else { upper_run.max(1) };
    let name: String =
        chars.iter().enumerate().map(|(i, c)| if i < lower { c.to_ascii_lowercase() } else { *c }).collect();
    escape(name)
}

/// `UserSignedIn` -> `onUserSignedIn`.
pub fn subscribe_name(notification: &str) -> String {
    format!("on{notification}")
}

/// The exported descriptor of an event: `SignIn` -> `SignInEvent`.
pub fn event_desc_name(event: &str) -> String {
    format!("{event}Event")
}

/// The exported descriptor of a notification: `UserSignedIn` -> `UserSignedInNotification`.
pub fn notification_desc_name(notification: &str) -> String {
    format!("{notification}Notification")
}

/// The namespace a module is exported as: its table name, escaped if reserved.
pub fn namespace_name(module: &str) -> String {
    escape(module.to_owned())
}

fn escape(name: String) -> String {
    if RESERVED.contains(&name.as_str()) { format!("{name}_") } else { name }
}

/// The schema constant protoc-gen-es declares for a message: `FooPB` -> `FooPBSchema`.
fn schema_name(t: &TypeRef) -> String {
    format!("{}Schema", t.name)
}

/// The module protoc-gen-es writes for a proto file, relative to `OUT_DIR`.
fn proto_import(proto_file: &str) -> String {
    format!("../{}_pb.js", proto_file.trim_end_matches(".proto"))
}

// ---------------------------------------------------------------------------------------------
// Files

fn header(out: &mut String, inputs: &str) {
    writeln!(out, "// Code generated by eventwire-tools (codegen ts) from {inputs}. DO NOT EDIT.").unwrap();
}

/// A string literal: JSON string syntax is valid TypeScript.
fn lit(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// A JSDoc block; `*/` in the text cannot end it early.
fn doc(out: &mut String, indent: &str, paragraphs: &[String]) {
    writeln!(out, "{indent}/**").unwrap();
    for (i, p) in paragraphs.iter().filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            writeln!(out, "{indent} *").unwrap();
        }
        for line in p.lines() {
            let line = line.replace("*/", "*\\/");
            if line.is_empty() {
                writeln!(out, "{indent} *").unwrap();
            } else {
                writeln!(out, "{indent} * {line}").unwrap();
            }
        }
    }
    writeln!(out, "{indent} */").unwrap();
}

fn module_file(module: &ModuleModel) -> GeneratedFile {
    // Per proto file: (name, is_type_only).
    let mut imports: BTreeMap<String, BTreeSet<(String, bool)>> = BTreeMap::new();
    let mut add = |t: &TypeRef, type_only: bool| {
        let name = if type_only { t.name.clone() } else { schema_name(t) };
        imports.entry(t.proto_file.clone()).or_default().insert((name, type_only));
    };
    for e in &module.events {
        if let Some(i) = &e.input {
            add(i, false);
        }
        if let Some(o) = &e.output {
            add(o, false);
            add(o, true);
        }
    }
    for n in &module.notifications {
        add(&n.payload, false);
        add(&n.payload, true);
    }
    let needs_error_codes = module.events.iter().any(|e| e.errors.as_ref().is_some_and(|c| !c.is_empty()));
    let has_input = module.events.iter().any(|e| e.input.is_some());

    let mut out = String::new();
    let sources: Vec<String> = std::iter::once(module.table_file.clone())
        .chain(imports.keys().map(|p| format!("schema/proto/{p}")))
        .collect();
    header(&mut out, &sources.join(", "));
    writeln!(out, "//").unwrap();
    writeln!(out, "// The `{}` module: a function per event, an `on...` subscription per notification.", module.name).unwrap();
    writeln!(out).unwrap();

    if has_input {
        writeln!(out, "import type {{ MessageInitShape }} from \"@bufbuild/protobuf\";").unwrap();
    }
    let mut client_types = vec!["CallOptions", "Client"];
    if !module.notifications.is_empty() {
        client_types.extend(["NotificationHandler", "SubscribeOptions", "Unsubscribe"]);
    }
    writeln!(out, "import type {{ {} }} from \"../../client.js\";", client_types.join(", ")).unwrap();
    let desc_types = if module.notifications.is_empty() { "EventDesc" } else { "EventDesc, NotificationDesc" };
    writeln!(out, "import type {{ {desc_types} }} from \"../../descriptors.js\";").unwrap();
    writeln!(out, "import type {{ Result }} from \"../../result.js\";").unwrap();
    if needs_error_codes {
        writeln!(out, "import {{ ErrorCode }} from \"../eventwire/v1/errors_pb.js\";").unwrap();
    }
    for (proto, names) in &imports {
        let mut names: Vec<&(String, bool)> = names.iter().collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let list: Vec<String> =
            names.iter().map(|(n, type_only)| if *type_only { format!("type {n}") } else { n.clone() }).collect();
        let one_line = format!("import {{ {} }} from \"{}\";", list.join(", "), proto_import(proto));
        if one_line.len() <= MAX_LINE {
            writeln!(out, "{one_line}").unwrap();
        } else {
            writeln!(out, "import {{").unwrap();
            for name in &list {
                writeln!(out, "  {name},").unwrap();
            }
            writeln!(out, "}} from \"{}\";", proto_import(proto)).unwrap();
        }
    }

    for e in &module.events {
        writeln!(out).unwrap();
        event_items(&mut out, module, e);
    }
    for n in &module.notifications {
        writeln!(out).unwrap();
        notification_items(&mut out, n);
    }

    writeln!(out).unwrap();
    writeln!(out, "/** Every event of the `{}` module, in table order. */", module.name).unwrap();
    let list: Vec<String> = module.events.iter().map(|e| event_desc_name(&e.name)).collect();
    writeln!(out, "export const events = [{}] as const;", list.join(", ")).unwrap();
    writeln!(out).unwrap();
    writeln!(out, "/** Every notification of the `{}` module, in table order. */", module.name).unwrap();
    let list: Vec<String> = module.notifications.iter().map(|n| notification_desc_name(&n.name)).collect();
    writeln!(out, "export const notifications = [{}] as const;", list.join(", ")).unwrap();

    GeneratedFile { path: format!("{OUT_DIR}/{}.ts", module.name), contents: out }
}

fn event_items(out: &mut String, module: &ModuleModel, e: &EventModel) {
    let desc = event_desc_name(&e.name);
    let input_ty = e.input.as_ref().map_or("undefined".to_owned(), |t| format!("typeof {}", schema_name(t)));
    let output_ty = e.output.as_ref().map_or("undefined".to_owned(), |t| format!("typeof {}", schema_name(t)));
    let errors = match &e.errors {
        None => "any code".to_owned(),
        Some(codes) if codes.is_empty() => "none of its own".to_owned(),
        Some(codes) => codes.iter().map(|c| format!("`{}`", c.name)).collect::<Vec<_>>().join(", "),
    };
    let mut facts = format!("Event `{}` of module `{}` (id {}). Errors: {errors}.", e.name, module.name, e.id);
    if let Some(ms) = e.timeout_ms {
        write!(facts, " Deadline: {ms} ms.").unwrap();
    }

    doc(out, "", &[format!("The `{}` event: its name, types, errors and deadline.", e.name)]);
    writeln!(out, "export const {desc}: EventDesc<{input_ty}, {output_ty}> = {{").unwrap();
    writeln!(out, "  module: {},", lit(&module.name)).unwrap();
    writeln!(out, "  name: {},", lit(&e.name)).unwrap();
    writeln!(out, "  id: {},", e.id).unwrap();
    writeln!(out, "  input: {},", e.input.as_ref().map_or("undefined".to_owned(), schema_name)).unwrap();
    writeln!(out, "  output: {},", e.output.as_ref().map_or("undefined".to_owned(), schema_name)).unwrap();
    match &e.errors {
        None => writeln!(out, "  errors: \"any\",").unwrap(),
        Some(codes) => {
            let list: Vec<String> = codes.iter().map(|c| format!("ErrorCode.{}", c.name)).collect();
            writeln!(out, "  errors: [{}],", list.join(", ")).unwrap();
        }
    }
    if let Some(ms) = e.timeout_ms {
        writeln!(out, "  timeoutMs: {ms},").unwrap();
    }
    writeln!(out, "}};").unwrap();
    writeln!(out).unwrap();

    let output = e.output.as_ref().map_or("undefined".to_owned(), |t| t.name.clone());
    doc(out, "", &[e.doc.clone(), facts]);
    writeln!(out, "export function {}(", function_name(&e.name)).unwrap();
    writeln!(out, "  client: Client,").unwrap();
    if let Some(i) = &e.input {
        writeln!(out, "  input: MessageInitShape<typeof {}>,", schema_name(i)).unwrap();
    }
    writeln!(out, "  options?: CallOptions,").unwrap();
    writeln!(out, "): Promise<Result<{output}>> {{").unwrap();
    let input_arg = if e.input.is_some() { "input" } else { "undefined" };
    writeln!(out, "  return client.call({desc}, {input_arg}, options);").unwrap();
    writeln!(out, "}}").unwrap();
}

fn notification_items(out: &mut String, n: &NotificationModel) {
    let desc = notification_desc_name(&n.name);
    let schema = schema_name(&n.payload);
    doc(out, "", &[format!("The `{}` notification: its address and payload type.", n.name)]);
    writeln!(out, "export const {desc}: NotificationDesc<typeof {schema}> = {{").unwrap();
    writeln!(out, "  name: {},", lit(&n.name)).unwrap();
    writeln!(out, "  source: {},", lit(&n.source)).unwrap();
    writeln!(out, "  ty: {},", n.ty).unwrap();
    writeln!(out, "  payload: {schema},").unwrap();
    writeln!(out, "}};").unwrap();
    writeln!(out).unwrap();
    let facts = format!(
        "Notification `{}` (source `{}`, ty {}). Pass `{{ id }}` to receive only those about one object.",
        n.name, n.source, n.ty
    );
    doc(out, "", &[n.doc.clone(), facts]);
    writeln!(out, "export function {}(", subscribe_name(&n.name)).unwrap();
    writeln!(out, "  client: Client,").unwrap();
    writeln!(out, "  handler: NotificationHandler<{}>,", n.payload.name).unwrap();
    writeln!(out, "  options?: SubscribeOptions,").unwrap();
    writeln!(out, "): Unsubscribe {{").unwrap();
    writeln!(out, "  return client.subscribe({desc}, handler, options);").unwrap();
    writeln!(out, "}}").unwrap();
}

fn index_file(model: &Model) -> GeneratedFile {
    let mut out = String::new();
    header(&mut out, "schema/events/*.yaml");
    writeln!(out, "//").unwrap();
    writeln!(out, "// One namespace per module of the event tables.").unwrap();
    writeln!(out).unwrap();
    let mut modules: Vec<&ModuleModel> = model.modules.iter().collect();
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    for m in modules {
        writeln!(out, "export * as {} from \"./{}.js\";", namespace_name(&m.name), m.name).unwrap();
    }
    GeneratedFile { path: format!("{OUT_DIR}/{INDEX}"), contents: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(function_name("SignIn"), "signIn");
        assert_eq!(function_name("Echo"), "echo");
        assert_eq!(function_name("URLPreview"), "urlPreview");
        assert_eq!(function_name("UI"), "ui");
        assert_eq!(function_name("Delete"), "delete_");
        assert_eq!(function_name("Events"), "events_");
        assert_eq!(subscribe_name("UserSignedIn"), "onUserSignedIn");
        assert_eq!(namespace_name("default"), "default_");
        assert_eq!(proto_import("eventwire/v1/user.proto"), "../eventwire/v1/user_pb.js");
    }
}

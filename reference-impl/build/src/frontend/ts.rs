//! TypeScript: the event layer of a schema, over `@eventwire/client` and protobuf-es.
//!
//! Written under the output directory:
//!
//! - `events/<module>.ts`: per event a descriptor (`CreateTodoEvent`), the type of the codes it
//!   declares (`CreateTodoCode`) and a function (`createTodo(client, input)`); per notification a
//!   descriptor and an `on...` subscription;
//! - `events/index.ts`: a namespace per module, every descriptor, the message registry of the
//!   schema, and `createMockBackend()`, a typed test double of a backend for this schema.
//!
//! The message types are `protoc-gen-es`'s, expected in the same output directory
//! (`<dir>/todo/v1/todo_pb.ts` for `todo/v1/todo.proto`); the protocol's own messages come from
//! the runtime package, the well-known types from `@bufbuild/protobuf/wkt`.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    CodeRef, EventModel, Model, ModuleModel, NotificationModel, TypeRef, is_runtime_file,
};
use super::{GeneratedFile, Lines, Params, doc_lines, header_lines, lower_camel};

/// The directory of the event layer, relative to the output directory.
pub const EVENTS_DIR: &str = "events";

/// Import lists longer than this are written one name per line.
const MAX_LINE: usize = 100;

/// Every generated file, in a stable order: one per module, then the index.
pub fn generate(model: &Model, params: &Params) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = model
        .modules
        .iter()
        .map(|m| module_file(model, m, params))
        .collect();
    files.push(index_file(model, params));
    files
}

/// The `.proto` files whose messages the output directory must hold (`protoc-gen-es` writes
/// them): the schema's own files, less those the runtime ships.
pub fn message_files(model: &Model) -> Vec<String> {
    model
        .proto_files
        .iter()
        .filter(|f| !is_runtime_file(f))
        .cloned()
        .collect()
}

/// The `protoc-gen-es` parameter that makes its output import the protocol's messages from the
/// runtime package instead of expecting them beside it.
pub fn protoc_gen_es_parameter(params: &Params) -> String {
    format!(
        "target=ts,import_extension=js,rewrite_imports=./eventwire/v1/*_pb.js:{}",
        params.runtime
    )
}

// ---------------------------------------------------------------------------------------------
// Names

/// Words a generated identifier must not be: the reserved words of ECMAScript and TypeScript in
/// any context, plus the names each generated file declares itself.
const RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "events",
    "notifications",
    "registry",
    "createMockBackend",
];

fn escape(name: String) -> String {
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// `SignIn` -> `signIn`, `URLPreview` -> `urlPreview`; a reserved word gets a trailing `_`.
pub fn function_name(event: &str) -> String {
    escape(lower_camel(event))
}

/// `UserSignedIn` -> `onUserSignedIn`.
pub fn subscribe_name(notification: &str) -> String {
    format!("on{notification}")
}

/// The exported descriptor of an event: `SignIn` -> `SignInEvent`.
pub fn event_desc_name(event: &str) -> String {
    format!("{event}Event")
}

/// The exported type of the codes an event declares: `SignIn` -> `SignInCode`.
pub fn code_type_name(event: &str) -> String {
    format!("{event}Code")
}

/// The exported descriptor of a notification: `UserSignedIn` -> `UserSignedInNotification`.
pub fn notification_desc_name(notification: &str) -> String {
    format!("{notification}Notification")
}

/// The namespace a module is exported as: its table name, escaped if reserved.
pub fn namespace_name(module: &str) -> String {
    escape(module.to_owned())
}

/// protoc-gen-es's name for a message or enum: nested names joined with `_`.
fn es_name(t: &TypeRef) -> String {
    t.name.replace('.', "_")
}

/// protoc-gen-es's schema constant for a message: `FooPB` -> `FooPBSchema`.
fn schema_name(t: &TypeRef) -> String {
    format!("{}Schema", es_name(t))
}

/// protoc-gen-es's file descriptor constant: `todo/v1/todo.proto` -> `file_todo_v1_todo`.
fn file_desc_name(proto_file: &str) -> String {
    let stem = proto_file.trim_end_matches(".proto");
    format!(
        "file_{}",
        stem.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
    )
}

/// Where a generated file in `events/` imports the declarations of `proto_file` from.
fn import_from(proto_file: &str, params: &Params) -> String {
    if proto_file.starts_with("google/protobuf/") {
        "@bufbuild/protobuf/wkt".to_owned()
    } else if is_runtime_file(proto_file) {
        params.runtime.clone()
    } else {
        format!("../{}_pb.js", proto_file.trim_end_matches(".proto"))
    }
}

/// A string literal: JSON string syntax is valid TypeScript.
fn lit(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Files

fn header(out: &mut Lines, params: &Params, tables: &[String], protos: &[String]) {
    for l in header_lines(params, "ts", tables, protos) {
        out.line(format!("// {l}"));
    }
}

/// A JSDoc block; `*/` in the text cannot end it early.
fn jsdoc(out: &mut Lines, paragraphs: &[&str]) {
    let lines = doc_lines(paragraphs);
    if lines.len() == 1 {
        out.line(format!("/** {} */", lines[0].replace("*/", "*\\/")));
        return;
    }
    out.line("/**");
    for l in lines {
        if l.is_empty() {
            out.line(" *");
        } else {
            out.line(format!(" * {}", l.replace("*/", "*\\/")));
        }
    }
    out.line(" */");
}

/// Imports, grouped by module specifier: `(name, type_only)`.
#[derive(Default)]
struct Imports {
    by_from: BTreeMap<String, BTreeSet<(String, bool)>>,
}

impl Imports {
    fn add(&mut self, from: &str, name: impl Into<String>, type_only: bool) {
        self.by_from
            .entry(from.to_owned())
            .or_default()
            .insert((name.into(), type_only));
    }

    fn write(&self, out: &mut Lines) {
        // Packages first, then relative paths, each alphabetically.
        let mut froms: Vec<&String> = self.by_from.keys().collect();
        froms.sort_by_key(|f| (f.starts_with('.'), f.as_str()));
        for from in froms {
            let names = &self.by_from[from];
            let all_types = names.iter().all(|(_, t)| *t);
            let mut list: Vec<(String, bool)> = names.iter().cloned().collect();
            // A name imported both as a type and as a value is imported once, as a value.
            list.retain(|(n, t)| !*t || !names.contains(&(n.clone(), false)));
            list.sort_by(|a, b| a.0.cmp(&b.0));
            let list: Vec<String> = list
                .into_iter()
                .map(|(n, t)| {
                    if t && !all_types {
                        format!("type {n}")
                    } else {
                        n
                    }
                })
                .collect();
            let keyword = if all_types { "import type" } else { "import" };
            let one_line = format!("{keyword} {{ {} }} from {};", list.join(", "), lit(from));
            if one_line.len() <= MAX_LINE {
                out.line(one_line);
            } else {
                out.line(format!("{keyword} {{"));
                for name in &list {
                    out.line(format!("  {name},"));
                }
                out.line(format!("}} from {};", lit(from)));
            }
        }
    }
}

/// The TypeScript expression of one code: `TodoErrorCode.TODO_NOT_FOUND`, `ErrorCode.INTERNAL`.
fn code_expr(c: &CodeRef) -> String {
    format!("{}.{}", es_name(&c.enum_ref), c.name)
}

fn module_file(model: &Model, module: &ModuleModel, params: &Params) -> GeneratedFile {
    let mut imports = Imports::default();
    let mut protos: BTreeSet<String> = BTreeSet::new();
    let mut add_type = |imports: &mut Imports, t: &TypeRef, value: bool, ty: bool| {
        protos.insert(t.proto_file.clone());
        let from = import_from(&t.proto_file, params);
        if value {
            imports.add(&from, schema_name(t), false);
        }
        if ty {
            imports.add(&from, es_name(t), true);
        }
    };
    let runtime = params.runtime.as_str();
    imports.add(runtime, "CallOptions", true);
    imports.add(runtime, "Client", true);
    imports.add(runtime, "EventDesc", true);
    imports.add(runtime, "EventError", true);
    imports.add(runtime, "Result", true);
    for e in &module.events {
        if let Some(i) = &e.input {
            add_type(&mut imports, i, true, false);
            imports.add("@bufbuild/protobuf", "MessageInitShape", true);
        }
        if let Some(o) = &e.output {
            add_type(&mut imports, o, true, true);
        }
        for c in e.errors.iter().flatten() {
            add_type(&mut imports, &c.enum_ref, false, false);
            imports.add(
                &import_from(&c.enum_ref.proto_file, params),
                es_name(&c.enum_ref),
                false,
            );
        }
    }
    if !module.notifications.is_empty() {
        for name in [
            "NotificationDesc",
            "NotificationHandler",
            "SubscribeOptions",
            "Unsubscribe",
        ] {
            imports.add(runtime, name, true);
        }
    }
    for n in &module.notifications {
        add_type(&mut imports, &n.payload, true, true);
    }

    let mut out = Lines::default();
    let protos: Vec<String> = protos
        .into_iter()
        .filter(|p| model.proto_files.contains(p))
        .collect();
    header(
        &mut out,
        params,
        std::slice::from_ref(&module.table_file),
        &protos,
    );
    out.blank();
    out.line(format!("// Module `{}` (package `{}`): a function per event, an `on...` subscription per notification.", module.name, module.package));
    out.blank();
    imports.write(&mut out);

    for e in &module.events {
        out.blank();
        event_items(&mut out, module, e);
    }
    for n in &module.notifications {
        out.blank();
        notification_items(&mut out, n);
    }

    out.blank();
    out.line(format!(
        "/** Every event of module `{}`, in table order. */",
        module.name
    ));
    let list: Vec<String> = module
        .events
        .iter()
        .map(|e| event_desc_name(&e.name))
        .collect();
    out.line(format!(
        "export const events = [{}] as const;",
        list.join(", ")
    ));
    out.blank();
    out.line(format!(
        "/** Every notification of module `{}`, in table order. */",
        module.name
    ));
    let list: Vec<String> = module
        .notifications
        .iter()
        .map(|n| notification_desc_name(&n.name))
        .collect();
    out.line(format!(
        "export const notifications = [{}] as const;",
        list.join(", ")
    ));

    GeneratedFile {
        path: format!("{EVENTS_DIR}/{}.ts", module.name),
        contents: out.finish(),
    }
}

fn event_items(out: &mut Lines, module: &ModuleModel, e: &EventModel) {
    let desc = event_desc_name(&e.name);
    let code_ty = code_type_name(&e.name);
    let input_ty = e.input.as_ref().map_or("undefined".to_owned(), |t| {
        format!("typeof {}", schema_name(t))
    });
    let output_ty = e.output.as_ref().map_or("undefined".to_owned(), |t| {
        format!("typeof {}", schema_name(t))
    });

    let (codes_doc, codes_ty) = match &e.errors {
        None => ("any code".to_owned(), "number".to_owned()),
        Some(codes) if codes.is_empty() => ("none of its own".to_owned(), "never".to_owned()),
        Some(codes) => (
            codes
                .iter()
                .map(|c| format!("`{}` ({})", c.name, c.number))
                .collect::<Vec<_>>()
                .join(", "),
            codes.iter().map(code_expr).collect::<Vec<_>>().join(" | "),
        ),
    };
    jsdoc(
        out,
        &[&format!(
            "The codes `{}` declares; the protocol's codes and unknown numbers come on top (see `EventError`).",
            e.name
        )],
    );
    out.line(format!("export type {code_ty} = {codes_ty};"));
    out.blank();

    jsdoc(
        out,
        &[&format!(
            "The `{}` event: its name, types, errors and deadline.",
            e.name
        )],
    );
    out.line(format!(
        "export const {desc}: EventDesc<{input_ty}, {output_ty}, {code_ty}> = {{"
    ));
    out.line(format!("  module: {},", lit(&module.name)));
    out.line(format!("  name: {},", lit(&e.name)));
    out.line(format!("  id: {},", e.id));
    out.line(format!(
        "  input: {},",
        e.input.as_ref().map_or("undefined".to_owned(), schema_name)
    ));
    out.line(format!(
        "  output: {},",
        e.output
            .as_ref()
            .map_or("undefined".to_owned(), schema_name)
    ));
    match &e.errors {
        None => out.line("  errors: \"any\","),
        Some(codes) => out.line(format!(
            "  errors: [{}],",
            codes.iter().map(code_expr).collect::<Vec<_>>().join(", ")
        )),
    };
    if let Some(ms) = e.timeout_ms {
        out.line(format!("  timeoutMs: {ms},"));
    }
    out.line("};");
    out.blank();

    let mut facts = format!(
        "Event `{}` of module `{}` (id {}). Errors: {codes_doc}.",
        e.name, module.name, e.id
    );
    if let Some(ms) = e.timeout_ms {
        facts.push_str(&format!(" Deadline: {ms} ms."));
    }
    let output = e.output.as_ref().map_or("undefined".to_owned(), es_name);
    jsdoc(out, &[&e.doc, &facts]);
    out.line(format!("export function {}(", function_name(&e.name)));
    out.line("  client: Client,");
    if let Some(i) = &e.input {
        out.line(format!(
            "  input: MessageInitShape<typeof {}>,",
            schema_name(i)
        ));
    }
    out.line("  options?: CallOptions,");
    out.line(format!(
        "): Promise<Result<{output}, EventError<{code_ty}>>> {{"
    ));
    let input_arg = if e.input.is_some() {
        "input"
    } else {
        "undefined"
    };
    out.line(format!(
        "  return client.call({desc}, {input_arg}, options);"
    ));
    out.line("}");
}

fn notification_items(out: &mut Lines, n: &NotificationModel) {
    let desc = notification_desc_name(&n.name);
    let schema = schema_name(&n.payload);
    jsdoc(
        out,
        &[&format!(
            "The `{}` notification: its address and payload type.",
            n.name
        )],
    );
    out.line(format!(
        "export const {desc}: NotificationDesc<typeof {schema}> = {{"
    ));
    out.line(format!("  name: {},", lit(&n.name)));
    out.line(format!("  source: {},", lit(&n.source)));
    out.line(format!("  ty: {},", n.ty));
    out.line(format!("  payload: {schema},"));
    out.line("};");
    out.blank();
    let facts = format!(
        "Notification `{}` (source `{}`, ty {}). Pass `{{ id }}` to receive only those about one object.",
        n.name, n.source, n.ty
    );
    jsdoc(out, &[&n.doc, &facts]);
    out.line(format!("export function {}(", subscribe_name(&n.name)));
    out.line("  client: Client,");
    out.line(format!(
        "  handler: NotificationHandler<{}>,",
        es_name(&n.payload)
    ));
    out.line("  options?: SubscribeOptions,");
    out.line("): Unsubscribe {");
    out.line(format!(
        "  return client.subscribe({desc}, handler, options);"
    ));
    out.line("}");
}

fn index_file(model: &Model, params: &Params) -> GeneratedFile {
    let mut out = Lines::default();
    let files = message_files(model);
    header(&mut out, params, &model.table_files, &model.proto_files);
    out.blank();
    out.line("// The schema as a whole: a namespace per module, every descriptor, the message registry and");
    out.line("// a typed mock backend for tests.");
    out.blank();
    let mut imports = Imports::default();
    imports.add("@bufbuild/protobuf", "createRegistry", false);
    imports.add(&params.runtime, "MockBackend", false);
    imports.add(&params.runtime, "MockBackendOptions", true);
    imports.add(&params.runtime, "protocolFiles", false);
    for f in &files {
        imports.add(&import_from(f, params), file_desc_name(f), false);
    }
    let mut modules: Vec<&ModuleModel> = model.modules.iter().collect();
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    for m in &modules {
        imports.add(
            &format!("./{}.js", m.name),
            format!("events as {}Events", lower_camel(&super::pascal(&m.name))),
            false,
        );
        imports.add(
            &format!("./{}.js", m.name),
            format!(
                "notifications as {}Notifications",
                lower_camel(&super::pascal(&m.name))
            ),
            false,
        );
    }
    imports.write(&mut out);
    out.blank();
    for m in &modules {
        out.line(format!(
            "export * as {} from \"./{}.js\";",
            namespace_name(&m.name),
            m.name
        ));
    }
    out.blank();
    out.line("/** Every event of the schema, module by module. */");
    let list: Vec<String> = model
        .modules
        .iter()
        .map(|m| format!("...{}Events", lower_camel(&super::pascal(&m.name))))
        .collect();
    out.line(format!(
        "export const events = [{}] as const;",
        list.join(", ")
    ));
    out.blank();
    out.line("/** Every notification of the schema, module by module: pass them as `ClientOptions.notifications`. */");
    let list: Vec<String> = model
        .modules
        .iter()
        .map(|m| format!("...{}Notifications", lower_camel(&super::pascal(&m.name))))
        .collect();
    out.line(format!(
        "export const notifications = [{}] as const;",
        list.join(", ")
    ));
    out.blank();
    out.line("/** Every message and enum of the schema and of the protocol, by full name (for proto-JSON). */");
    let mut list = vec!["...protocolFiles".to_owned()];
    list.extend(files.iter().map(|f| file_desc_name(f)));
    out.line(format!(
        "export const registry = createRegistry({});",
        list.join(", ")
    ));
    out.blank();
    jsdoc(
        &mut out,
        &[
            "A backend for tests, with no process behind it: register a typed handler per event,\nemit typed notifications, and give its `transport` to `createClient`.",
            "An event without a handler answers `UNKNOWN_EVENT`, as a backend without that event would.",
        ],
    );
    out.line("export function createMockBackend(options?: MockBackendOptions): MockBackend {");
    out.line("  return new MockBackend(events, notifications, { registry, ...options });");
    out.line("}");
    GeneratedFile {
        path: format!("{EVENTS_DIR}/index.ts"),
        contents: out.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(function_name("SignIn"), "signIn");
        assert_eq!(function_name("Delete"), "delete_");
        assert_eq!(function_name("Events"), "events_");
        assert_eq!(subscribe_name("UserSignedIn"), "onUserSignedIn");
        assert_eq!(namespace_name("default"), "default_");
        assert_eq!(file_desc_name("todo/v1/todo.proto"), "file_todo_v1_todo");
        assert_eq!(lit("a\"b\\\n"), r#""a\"b\\\n""#);
    }
}

//! Dart: the event layer of a schema, over `package:eventwire` and `protoc-gen-dart`.
//!
//! Written under the output directory (for example an app's `lib/src/events/`):
//!
//! - `<module>.dart`: per event a thin class (`TodoEventCreateTodo(input).send()`) whose spec
//!   names its output decoder and an enum of the codes it declares (`CreateTodoCode`), so that a
//!   `switch` over `EventError.kind` is exhaustive; per module a class of typed notification
//!   streams;
//! - `schema.dart`: the schema as data (events, notifications, message factories, the
//!   application's error codes), for tools and tests;
//! - `events.dart`: a library exporting the others.
//!
//! The message classes are `protoc-gen-dart`'s, expected under `proto/` of the output directory
//! (`proto/todo/v1/todo.pb.dart`); the protocol's own come from the runtime package.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    CodeRef, EventModel, Model, ModuleModel, NotificationModel, TypeRef, is_runtime_file,
};
use super::{GeneratedFile, Lines, Params, doc_lines, header_lines, pascal, screaming_to_camel};

/// The library exporting every generated library.
pub const BARREL: &str = "events.dart";
/// The schema as data.
pub const SCHEMA: &str = "schema.dart";
/// Where `protoc-gen-dart` writes the schema's messages, relative to the output directory.
pub const PROTO_DIR: &str = "proto";

/// Every generated file, in a stable order: one per module, the schema, the barrel.
pub fn generate(model: &Model, params: &Params) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = model
        .modules
        .iter()
        .map(|m| module_file(model, m, params))
        .collect();
    files.push(schema_file(model, params));
    files.push(barrel_file(model, params));
    files.extend(runtime_shims(model, params));
    files
}

/// `protoc-gen-dart` imports the files a schema's file depends on from beside it
/// (`proto/eventwire/v1/errors.pb.dart`); for the protocol's files, which the runtime ships,
/// these one-line libraries re-export the runtime's classes there, so that there is one
/// `FlowyError` class, not two.
fn runtime_shims(model: &Model, params: &Params) -> Vec<GeneratedFile> {
    let mut files = Vec::new();
    for proto in &model.runtime_imports {
        let stem = proto.trim_end_matches(".proto");
        for suffix in ["pb", "pbenum", "pbjson"] {
            let mut out = Lines::default();
            header(&mut out, params, &[], std::slice::from_ref(proto));
            out.blank();
            out.line(format!("/// `{proto}` is the runtime's: its `.{suffix}.dart` library, where `protoc-gen-dart` expects it."));
            out.line("library;");
            out.blank();
            out.line(format!(
                "export {};",
                dart_string(&format!(
                    "package:{}/src/gen/proto/{stem}.{suffix}.dart",
                    params.runtime
                ))
            ));
            files.push(GeneratedFile {
                path: format!("{PROTO_DIR}/{stem}.{suffix}.dart"),
                contents: out.finish(),
            });
        }
    }
    files
}

/// The runtime's own generated library: the category of every protocol code, for the errors
/// the runtime raises itself (timeouts, cancellation, transport failures).
pub fn protocol_codes_file(model: &Model, params: &Params) -> GeneratedFile {
    let mut out = Lines::default();
    header(
        &mut out,
        params,
        &[],
        &["eventwire/v1/errors.proto".to_owned()],
    );
    out.blank();
    out.line("/// The category of every code of the protocol's `ErrorCode`.");
    out.line("library;");
    out.blank();
    out.line("import 'proto/eventwire/v1/errors.pb.dart';");
    out.blank();
    out.line(
        "/// The category the schema assigns to each protocol code (`(eventwire.v1.category)`).",
    );
    out.line(
        "final Map<ErrorCode, ErrorCategory> protocolCategories = <ErrorCode, ErrorCategory>{",
    );
    for c in &model.protocol_codes {
        out.line(format!(
            "  ErrorCode.{}: ErrorCategory.ERROR_CATEGORY_{},",
            c.value, c.category
        ));
    }
    out.line("};");
    GeneratedFile {
        path: "protocol_codes.dart".into(),
        contents: out.finish(),
    }
}

// ---------------------------------------------------------------------------------------------
// Names

/// The Dart class of an event: `UserEventSignIn` for event `SignIn` of module `user`.
pub fn event_class(module: &str, event: &str) -> String {
    format!("{}Event{}", pascal(module), event)
}

/// The enum of the codes an event declares: `SignInCode`.
pub fn code_enum(event: &str) -> String {
    format!("{event}Code")
}

/// The Dart class holding a module's notification subscriptions: `UserNotifications`.
pub fn notifications_class(module: &str) -> String {
    format!("{}Notifications", pascal(module))
}

/// The subscription method of a notification: `onUserSignedIn`.
pub fn notification_method(notification: &str) -> String {
    format!("on{notification}")
}

/// The enum value of a code: `TODO_NOT_FOUND` -> `todoNotFound`.
pub fn code_value(code: &CodeRef) -> String {
    let name = screaming_to_camel(&code.name);
    if DART_RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

const DART_RESERVED: &[&str] = &[
    "assert", "break", "case", "catch", "class", "const", "continue", "default", "do", "else",
    "enum", "extends", "false", "final", "finally", "for", "if", "in", "is", "new", "null",
    "rethrow", "return", "super", "switch", "this", "throw", "true", "try", "var", "void", "while",
    "with", "values", "index", "name", "number", "category",
];

/// `protoc-gen-dart`'s name for a message: nested names joined with `_`.
fn dart_name(t: &TypeRef) -> String {
    t.name.replace('.', "_")
}

/// Where a generated library imports the declarations of `proto_file` from.
fn import_of(proto_file: &str, params: &Params) -> String {
    if is_runtime_file(proto_file) {
        runtime_import(params)
    } else {
        format!(
            "{PROTO_DIR}/{}.pb.dart",
            proto_file.trim_end_matches(".proto")
        )
    }
}

fn runtime_import(params: &Params) -> String {
    format!("package:{0}/{0}.dart", params.runtime)
}

/// The import prefix of a message file in `schema.dart`: `todo/v1/todo.proto` -> `todo_v1_todo`.
fn import_prefix(proto_file: &str) -> String {
    proto_file
        .trim_end_matches(".proto")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A single-quoted Dart string literal (no interpolation).
pub fn dart_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

// ---------------------------------------------------------------------------------------------
// Files

fn header(out: &mut Lines, params: &Params, tables: &[String], protos: &[String]) {
    for l in header_lines(params, "dart", tables, protos) {
        out.line(format!("// {l}"));
    }
}

fn doc(out: &mut Lines, indent: &str, paragraphs: &[&str]) {
    for l in doc_lines(paragraphs) {
        if l.is_empty() {
            out.line(format!("{indent}///"));
        } else {
            out.line(format!("{indent}/// {l}"));
        }
    }
}

fn imports(out: &mut Lines, list: BTreeSet<String>) {
    let (packages, relative): (Vec<_>, Vec<_>) =
        list.into_iter().partition(|i| i.starts_with("package:"));
    for i in &packages {
        out.line(format!("import {};", dart_string(i)));
    }
    if !packages.is_empty() && !relative.is_empty() {
        out.blank();
    }
    for i in &relative {
        out.line(format!("import {};", dart_string(i)));
    }
}

fn module_file(model: &Model, module: &ModuleModel, params: &Params) -> GeneratedFile {
    let mut protos: BTreeSet<String> = BTreeSet::new();
    for e in &module.events {
        protos.extend(
            e.input
                .iter()
                .chain(e.output.iter())
                .map(|t| t.proto_file.clone()),
        );
    }
    for n in &module.notifications {
        protos.insert(n.payload.proto_file.clone());
    }
    let mut list: BTreeSet<String> = protos.iter().map(|p| import_of(p, params)).collect();
    list.insert(runtime_import(params));
    let sources: Vec<String> = protos
        .iter()
        .filter(|p| model.proto_files.contains(p))
        .cloned()
        .collect();

    let mut out = Lines::default();
    header(
        &mut out,
        params,
        std::slice::from_ref(&module.table_file),
        &sources,
    );
    out.blank();
    out.line(format!(
        "/// Events and notifications of module `{}` (package `{}`).",
        module.name, module.package
    ));
    out.line("library;");
    out.blank();
    imports(&mut out, list);

    for e in &module.events {
        out.blank();
        code_enum_code(&mut out, e);
        out.blank();
        event_class_code(&mut out, &module.name, e);
    }
    if !module.notifications.is_empty() {
        out.blank();
        notifications_class_code(&mut out, module);
    }
    GeneratedFile {
        path: format!("{}.dart", module.name),
        contents: out.finish(),
    }
}

fn code_enum_code(out: &mut Lines, e: &EventModel) {
    let name = code_enum(&e.name);
    let codes: &[CodeRef] = e.errors.as_deref().unwrap_or(&[]);
    if codes.is_empty() {
        let why = if e.errors.is_none() {
            "it may answer any code"
        } else {
            "it declares none"
        };
        out.line(format!(
            "/// `{}` declares no codes of its own ({why}): see [EventError.kind].",
            e.name
        ));
        out.line(format!("typedef {name} = NoCode;"));
        return;
    }
    out.line(format!(
        "/// The codes `{}` declares; the protocol's and unknown numbers come on top.",
        e.name
    ));
    out.line(format!("enum {name} implements DeclaredCode {{"));
    for (i, c) in codes.iter().enumerate() {
        let end = if i + 1 == codes.len() { ";" } else { "," };
        out.line(format!(
            "  /// `{}` ({}), category `{}`.",
            c.value, c.number, c.category
        ));
        out.line(format!(
            "  {}({}, ErrorCategory.ERROR_CATEGORY_{}){end}",
            code_value(c),
            c.number,
            c.category
        ));
    }
    out.blank();
    out.line(format!("  const {name}(this.number, this.category);"));
    out.blank();
    out.line("  @override");
    out.line("  final int number;");
    out.blank();
    out.line("  @override");
    out.line("  final ErrorCategory category;");
    out.line("}");
}

fn event_class_code(out: &mut Lines, module: &str, e: &EventModel) {
    let class = event_class(module, &e.name);
    let output = e.output.as_ref().map_or("void".to_owned(), dart_name);
    let codes = code_enum(&e.name);
    let mut facts = format!("Event `{}` (id {}) of module `{module}`.", e.name, e.id);
    if let Some(ms) = e.timeout_ms {
        facts.push_str(&format!(" The backend's deadline for it is {ms} ms."));
    }
    doc(out, "", &[&e.doc, &facts]);
    out.line(format!(
        "final class {class} extends EventCall<{output}, {codes}> {{"
    ));
    match &e.input {
        Some(input) => {
            out.line(format!("  /// `{}` with its input.", e.name));
            out.line(format!("  {class}(this.request);"));
            out.blank();
            out.line("  /// The input, encoded when the event is sent.");
            out.line(format!("  final {} request;", dart_name(input)));
        }
        None => {
            out.line(format!("  /// `{}`; it takes no input.", e.name));
            out.line(format!("  const {class}();"));
        }
    }
    out.blank();
    out.line("  /// The table row of this event.");
    out.line(format!(
        "  static const EventSpec<{output}, {codes}> event = EventSpec(",
    ));
    out.line(format!("    module: {},", dart_string(module)));
    out.line(format!("    name: {},", dart_string(&e.name)));
    out.line(format!("    id: {},", e.id));
    let decode = e.output.as_ref().map_or("discardOutput".to_owned(), |o| {
        format!("{}.fromBuffer", dart_name(o))
    });
    out.line(format!("    decode: {decode},"));
    let values = if e.errors.as_ref().is_some_and(|c| !c.is_empty()) {
        format!("{codes}.values")
    } else {
        "<NoCode>[]".to_owned()
    };
    out.line(format!("    codes: {values},"));
    if let Some(ms) = e.timeout_ms {
        out.line(format!("    timeoutMs: {ms},"));
    }
    out.line("  );");
    out.blank();
    out.line("  @override");
    out.line(format!("  EventSpec<{output}, {codes}> get spec => event;"));
    if e.input.is_some() {
        out.blank();
        out.line("  @override");
        out.line("  List<int> get payload => request.writeToBuffer();");
    }
    out.line("}");
}

fn notifications_class_code(out: &mut Lines, module: &ModuleModel) {
    let class = notifications_class(&module.name);
    out.line(format!(
        "/// Typed subscriptions to the notifications of module `{}`.",
        module.name
    ));
    out.line("///");
    out.line("/// A notification that reports a failure arrives as a [FlowyError] error event; malformed");
    out.line("/// notifications reach no stream (see [EventwireClient.malformedNotifications]).");
    out.line(format!("abstract final class {class} {{"));
    for (i, n) in module.notifications.iter().enumerate() {
        if i > 0 {
            out.blank();
        }
        notification_method_code(out, n);
    }
    out.line("}");
}

fn notification_method_code(out: &mut Lines, n: &NotificationModel) {
    let facts = format!(
        "Notification `{}`: source `{}`, ty {}. With [id], only those about that object.",
        n.name, n.source, n.ty
    );
    doc(out, "  ", &[&n.doc, &facts]);
    let payload = dart_name(&n.payload);
    out.line(format!(
        "  static Stream<{payload}> {}({{String? id, EventwireClient? client}}) =>",
        notification_method(&n.name)
    ));
    out.line(format!(
        "      EventwireClient.subscribeWith(client, {}, {}, {payload}.fromBuffer, id: id);",
        dart_string(&n.source),
        n.ty
    ));
}

fn schema_file(model: &Model, params: &Params) -> GeneratedFile {
    // Import prefixes per proto file: message names are unique per package, not across packages.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut note = |t: &TypeRef| {
        files.insert(t.proto_file.clone(), import_prefix(&t.proto_file));
    };
    model.messages.iter().for_each(&mut note);
    for (_, e) in model.events() {
        e.input.iter().chain(e.output.iter()).for_each(&mut note);
    }
    for (_, n) in model.notifications() {
        note(&n.payload);
    }
    for en in &model.error_enums {
        note(&en.enum_ref);
    }
    let prefix_of = |t: &TypeRef| files[&t.proto_file].clone();

    let mut out = Lines::default();
    header(&mut out, params, &model.table_files, &model.proto_files);
    out.blank();
    out.line("/// The schema as data: its events, notifications, message types and error codes.");
    out.line("library;");
    out.blank();
    let mut packages = vec![
        "package:protobuf/protobuf.dart".to_owned(),
        runtime_import(params),
    ];
    packages.sort();
    for p in &packages {
        out.line(format!("import {};", dart_string(p)));
    }
    out.blank();
    for (file, prefix) in &files {
        out.line(format!(
            "import {} as {prefix};",
            dart_string(&import_of(file, params))
        ));
    }
    for m in &model.modules {
        out.line(format!(
            "import {} as {};",
            dart_string(&format!("{}.dart", m.name)),
            module_prefix(&m.name)
        ));
    }
    out.blank();
    out.line("/// The schema's tables.");
    out.line("abstract final class EventwireSchema {");
    out.line("  /// Every event, by routing name.");
    out.line("  static const Map<String, EventSpec<Object?, DeclaredCode>> events = <String, EventSpec<Object?, DeclaredCode>>{");
    for (m, e) in model.events() {
        out.line(format!(
            "    {}: {}.{}.event,",
            dart_string(&e.name),
            module_prefix(&m.name),
            event_class(&m.name, &e.name)
        ));
    }
    out.line("  };");
    out.blank();
    out.line("  /// The input message of every event that has one, by routing name.");
    out.line("  static final Map<String, GeneratedMessage Function()> inputs = <String, GeneratedMessage Function()>{");
    for (_, e) in model.events() {
        if let Some(i) = &e.input {
            out.line(format!(
                "    {}: {}.{}.new,",
                dart_string(&e.name),
                prefix_of(i),
                dart_name(i)
            ));
        }
    }
    out.line("  };");
    out.blank();
    out.line("  /// The output message of every event that has one, by routing name.");
    out.line("  static final Map<String, GeneratedMessage Function()> outputs = <String, GeneratedMessage Function()>{");
    for (_, e) in model.events() {
        if let Some(o) = &e.output {
            out.line(format!(
                "    {}: {}.{}.new,",
                dart_string(&e.name),
                prefix_of(o),
                dart_name(o)
            ));
        }
    }
    out.line("  };");
    out.blank();
    out.line("  /// Every notification, by (source, ty).");
    out.line("  static final Map<(String, int), NotificationSpec> notifications = <(String, int), NotificationSpec>{");
    for (m, n) in model.notifications() {
        out.line(format!(
            "    ({}, {}): NotificationSpec(",
            dart_string(&n.source),
            n.ty
        ));
        out.line(format!("      module: {},", dart_string(&m.name)));
        out.line(format!("      name: {},", dart_string(&n.name)));
        out.line(format!("      source: {},", dart_string(&n.source)));
        out.line(format!("      ty: {},", n.ty));
        out.line(format!(
            "      payload: {}.{}.new,",
            prefix_of(&n.payload),
            dart_name(&n.payload)
        ));
        out.line("    ),");
    }
    out.line("  };");
    out.blank();
    out.line("  /// Every message type of the schema's own files, by full protobuf name.");
    out.line("  static final Map<String, GeneratedMessage Function()> messages = <String, GeneratedMessage Function()>{");
    for t in &model.messages {
        out.line(format!(
            "    {}: {}.{}.new,",
            dart_string(&t.full_name),
            prefix_of(t),
            dart_name(t)
        ));
    }
    out.line("  };");
    out.blank();
    out.line("  /// The category of every application error code, by number.");
    out.line("  static const Map<int, ErrorCategory> errorCategories = <int, ErrorCategory>{");
    for en in &model.error_enums {
        for c in &en.codes {
            out.line(format!(
                "    {}: ErrorCategory.ERROR_CATEGORY_{}, // {}.{}",
                c.number, c.category, en.enum_ref.name, c.value
            ));
        }
    }
    out.line("  };");
    out.line("}");
    GeneratedFile {
        path: SCHEMA.into(),
        contents: out.finish(),
    }
}

fn module_prefix(module: &str) -> String {
    format!(
        "{}_events",
        module
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .collect::<String>()
    )
}

fn barrel_file(model: &Model, params: &Params) -> GeneratedFile {
    let mut out = Lines::default();
    header(&mut out, params, &model.table_files, &model.proto_files);
    out.blank();
    out.line("/// The schema's event layer and the message classes it uses.");
    out.line("library;");
    out.blank();
    let mut exports: BTreeSet<String> = model
        .modules
        .iter()
        .map(|m| format!("{}.dart", m.name))
        .collect();
    exports.insert(SCHEMA.to_owned());
    exports.extend(
        model
            .proto_files
            .iter()
            .filter(|p| !is_runtime_file(p))
            .map(|p| import_of(p, params)),
    );
    for e in exports {
        out.line(format!("export {};", dart_string(&e)));
    }
    GeneratedFile {
        path: BARREL.into(),
        contents: out.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(event_class("user", "SignIn"), "UserEventSignIn");
        assert_eq!(
            event_class("document_store", "Get"),
            "DocumentStoreEventGet"
        );
        assert_eq!(notifications_class("user"), "UserNotifications");
        assert_eq!(notification_method("UserSignedIn"), "onUserSignedIn");
        assert_eq!(
            import_prefix("eventwire/conformance/v1/testee.proto"),
            "eventwire_conformance_v1_testee"
        );
        assert_eq!(module_prefix("todo"), "todo_events");
    }

    #[test]
    fn string_literals_escape_what_dart_interprets() {
        assert_eq!(dart_string("a'b\\c$d\n"), r"'a\'b\\c\$d\n'");
    }
}

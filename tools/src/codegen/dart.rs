//! Dart generation: one typed class per event and one notifications class per module, written to
//! `bindings/dart/lib/src/gen/events/` and checked in.
//!
//! Only the event layer is generated here. The message classes come from the standard Dart
//! protobuf generator (`protoc-gen-dart`, run by `buf generate` in `bindings/dart/`), because a
//! second, home-made protobuf runtime for Dart would be one more thing to get wrong; the files
//! written here import them from `lib/src/gen/proto/`, under the names `protoc-gen-dart` gives them.
//!
//! The event layer is a pure function of the shared [`Model`], plus two facts the model does not
//! carry yet and that only Dart needs at run time: every message type of the schema (for the
//! conformance testee's proto-JSON operations) and the category of every error code (for errors
//! the binding itself raises: timeouts, cancellation, transport failures). Both are read from the
//! schema crate's descriptors, like the model itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use eventwire_schema::pb::ErrorCode;
use prost_reflect::MessageDescriptor;

use super::GeneratedFile;
use super::model::{EventModel, Model, ModuleModel, NotificationModel, TypeRef};

/// Where the generated files live, relative to the repository root.
pub const OUT_DIR: &str = "bindings/dart/lib/src/gen/events";

/// The name of the barrel file that exports every generated library.
const BARREL: &str = "events.dart";
/// The name of the file with the schema tables (events, notifications, messages, error codes).
const SCHEMA: &str = "schema.dart";

/// Every generated Dart file, in a stable order: one per module, the schema tables, the barrel.
pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = model.modules.iter().map(module_file).collect();
    files.push(schema_file(model));
    files.push(barrel_file(model));
    files
}

pub use super::Drift;

/// The dart generator and its output directory.
pub const TARGET: super::Target = super::Target { name: "dart", out_dir: OUT_DIR, extension: "dart", generate };

/// Compares the generated files with those under `repo_root`; an empty list means no drift.
pub fn check(model: &Model, repo_root: &Path) -> std::io::Result<Vec<Drift>> {
    TARGET.check(model, repo_root)
}

/// Writes the generated files under `repo_root` and deletes stale ones; returns what changed.
pub fn write(model: &Model, repo_root: &Path) -> std::io::Result<Vec<String>> {
    TARGET.write(model, repo_root)
}

// ---------------------------------------------------------------------------------------------
// Names

/// The Dart class of an event: `UserEventSignIn` for event `SignIn` of module `user`.
pub fn event_class(module: &str, event: &str) -> String {
    format!("{}Event{}", pascal(module), event)
}

/// The Dart class holding a module's notification subscriptions: `UserNotifications`.
pub fn notifications_class(module: &str) -> String {
    format!("{}Notifications", pascal(module))
}

/// The subscription method of a notification: `onUserSignedIn`.
pub fn notification_method(notification: &str) -> String {
    format!("on{notification}")
}

/// The file a module's event layer is generated into, relative to [`OUT_DIR`].
pub fn module_file_name(module: &str) -> String {
    format!("{module}.dart")
}

/// `document_store` -> `DocumentStore`.
fn pascal(s: &str) -> String {
    s.split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The Dart name `protoc-gen-dart` gives a message: nested messages are joined with `_`.
fn dart_message_name(full_name: &str, package: &str) -> String {
    full_name.strip_prefix(package).and_then(|s| s.strip_prefix('.')).unwrap_or(full_name).replace('.', "_")
}

/// Where `protoc-gen-dart` writes the messages of `proto_file`, relative to [`OUT_DIR`].
fn proto_import(proto_file: &str) -> String {
    format!("../proto/{}.pb.dart", proto_file.trim_end_matches(".proto"))
}

/// The import prefix of a message file: `eventwire/v1/user.proto` -> `v1_user`.
fn import_prefix(proto_file: &str) -> String {
    let path = proto_file.trim_end_matches(".proto");
    let path = path.strip_prefix("eventwire/").unwrap_or(path);
    path.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

/// A single-quoted Dart string literal (no interpolation).
fn dart_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Doc comment lines with the given indent; markdown from the tables is kept as is.
fn doc_lines(out: &mut String, indent: &str, doc: &str) {
    for line in doc.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Files

fn header(out: &mut String, inputs: &[String]) {
    let _ = writeln!(out, "// Code generated by eventwire-tools (codegen dart) from {}. DO NOT EDIT.", inputs.join(", "));
    out.push_str(
        "// Message classes are generated from the same .proto files by protoc-gen-dart into ../proto/.\n\n",
    );
}

fn proto_path(proto_file: &str) -> String {
    format!("schema/proto/{proto_file}")
}

const ERRORS_PROTO: &str = "eventwire/v1/errors.proto";

fn module_file(module: &ModuleModel) -> GeneratedFile {
    // The message types this module's classes mention, by declaring file.
    let mut protos: BTreeSet<&str> = BTreeSet::new();
    for e in &module.events {
        protos.extend(e.input.iter().chain(e.output.iter()).map(|t| t.proto_file.as_str()));
    }
    for n in &module.notifications {
        protos.insert(&n.payload.proto_file);
    }
    let has_events = !module.events.is_empty();
    if has_events {
        protos.insert(ERRORS_PROTO);
    }

    let mut inputs = vec![module.table_file.clone()];
    inputs.extend(protos.iter().map(|p| proto_path(p)));

    let mut out = String::new();
    header(&mut out, &inputs);
    let _ = writeln!(out, "/// Events and notifications of module `{}`.", module.name);
    out.push_str("library;\n\n");

    let mut imports: Vec<String> = Vec::new();
    if has_events {
        imports.push("../../cancel_token.dart".into());
    }
    imports.push("../../client.dart".into());
    if has_events {
        imports.push("../../result.dart".into());
    }
    imports.extend(protos.iter().map(|p| proto_import(p)));
    imports.sort();
    for i in &imports {
        let _ = writeln!(out, "import {};", dart_string(i));
    }

    for e in &module.events {
        out.push('\n');
        event_class_code(&mut out, &module.name, e);
    }
    if !module.notifications.is_empty() {
        out.push('\n');
        notifications_class_code(&mut out, module);
    }
    GeneratedFile { path: format!("{OUT_DIR}/{}", module_file_name(&module.name)), contents: out }
}

fn event_class_code(out: &mut String, module: &str, e: &EventModel) {
    let class = event_class(module, &e.name);
    doc_lines(out, "", &e.doc);
    out.push_str("///\n");
    let _ = write!(out, "/// Event `{}` (id {}) of module `{module}`", e.name, e.id);
    match &e.timeout_ms {
        Some(ms) => {
            let _ = writeln!(out, "; the backend's deadline for it is {ms} ms.");
        }
        None => out.push_str(".\n"),
    }
    match &e.errors {
        None => out.push_str("/// Errors: any code.\n"),
        Some(codes) if codes.is_empty() => {
            out.push_str("/// Errors: none of its own; protocol errors (timeout, cancellation, limits) still apply.\n")
        }
        Some(codes) => {
            let names: Vec<String> = codes.iter().map(|c| format!("`{}`", c.name)).collect();
            let _ = writeln!(out, "/// Errors: {}, and the protocol's own (timeout, cancellation, limits).", names.join(", "));
        }
    }
    let _ = writeln!(out, "final class {class} {{");
    match &e.input {
        Some(input) => {
            let _ = writeln!(out, "  /// An event `{}` with its input.", e.name);
            let _ = writeln!(out, "  const {class}(this.request);\n");
            out.push_str("  /// The input message, encoded when the event is sent.\n");
            let _ = writeln!(out, "  final {} request;\n", input.name);
        }
        None => {
            let _ = writeln!(out, "  /// An event `{}`; it takes no input.", e.name);
            let _ = writeln!(out, "  const {class}();\n");
        }
    }
    out.push_str("  /// The routing name of this event.\n");
    let _ = writeln!(out, "  static const String eventName = {};\n", dart_string(&e.name));
    let output_type = e.output.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "void".to_owned());
    out.push_str("  /// Sends the event through [client] (default: [EventwireClient.defaultClient]).\n");
    out.push_str("  ///\n");
    out.push_str("  /// Completes exactly once and never throws: with the output, or with the backend's\n");
    out.push_str("  /// error, or with `ERROR_CODE_REQUEST_TIMEOUT` after [timeout], `ERROR_CODE_CANCELLED` when\n");
    out.push_str("  /// [cancel] fires, or an error describing a transport failure.\n");
    let _ = writeln!(out, "  Future<Result<{output_type}, FlowyError>> send({{");
    out.push_str("    Duration? timeout,\n    CancelToken? cancel,\n    EventwireClient? client,\n  }) =>\n");
    let payload = if e.input.is_some() { "request.writeToBuffer()" } else { "const <int>[]" };
    let decode = match &e.output {
        Some(o) => format!("{}.fromBuffer", o.name),
        None => "discardOutput".to_owned(),
    };
    let _ = writeln!(out, "      EventwireClient.invokeWith<{output_type}>(");
    let _ = writeln!(out, "        client,\n        eventName,\n        {payload},\n        {decode},");
    out.push_str("        timeout: timeout,\n        cancel: cancel,\n      );\n");
    out.push_str("}\n");
}

fn notifications_class_code(out: &mut String, module: &ModuleModel) {
    let class = notifications_class(&module.name);
    let _ = writeln!(out, "/// Typed subscriptions to the notifications of module `{}`.", module.name);
    out.push_str("///\n");
    out.push_str("/// Each stream carries the notification's payload; a notification that reports a failure\n");
    out.push_str("/// arrives as a [FlowyError] error event. Malformed notifications reach no stream (see\n");
    out.push_str("/// [EventwireClient.malformedNotifications]).\n");
    let _ = writeln!(out, "abstract final class {class} {{");
    for (i, n) in module.notifications.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        notification_method_code(out, n);
    }
    out.push_str("}\n");
}

fn notification_method_code(out: &mut String, n: &NotificationModel) {
    doc_lines(out, "  ", &n.doc);
    out.push_str("  ///\n");
    let _ = writeln!(
        out,
        "  /// Notification `{}`: source `{}`, ty {}. With [id], only notifications about that object.",
        n.name, n.source, n.ty
    );
    let _ = writeln!(out, "  static Stream<{}> {}({{", n.payload.name, notification_method(&n.name));
    out.push_str("    String? id,\n    EventwireClient? client,\n  }) =>\n");
    let _ = writeln!(out, "      EventwireClient.subscribeWith<{}>(", n.payload.name);
    let _ = writeln!(
        out,
        "        client,\n        {},\n        {},\n        {}.fromBuffer,\n        id: id,\n      );",
        dart_string(&n.source),
        n.ty,
        n.payload.name
    );
}

/// Every message of the schema's own files (not the imported well-known types), in name order.
fn schema_messages() -> Vec<MessageDescriptor> {
    let mut messages: Vec<MessageDescriptor> = eventwire_schema::descriptor_pool()
        .all_messages()
        .filter(|m| !m.is_map_entry() && !m.parent_file().name().starts_with("google/"))
        .collect();
    messages.sort_by(|a, b| a.full_name().cmp(b.full_name()));
    messages
}

fn schema_file(model: &Model) -> GeneratedFile {
    let messages = schema_messages();
    // Import prefixes per proto file: message names are unique per package, not across packages.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for file in messages.iter().map(|m| m.parent_file().name().to_owned()).chain([ERRORS_PROTO.to_owned()]) {
        let prefix = import_prefix(&file);
        files.insert(file, prefix);
    }
    let prefix_of = |t: &TypeRef| files[&t.proto_file].clone();

    let mut inputs: Vec<String> = model.modules.iter().map(|m| m.table_file.clone()).collect();
    inputs.extend(files.keys().map(|f| proto_path(f)));

    let mut out = String::new();
    header(&mut out, &inputs);
    out.push_str("/// The schema as data: event and notification tables, every message type, and the\n");
    out.push_str("/// category of every error code.\n");
    out.push_str("library;\n\n");
    out.push_str("import 'package:protobuf/protobuf.dart';\n\n");
    out.push_str("import '../../schema_types.dart';\n");
    for (file, prefix) in &files {
        let _ = writeln!(out, "import {} as {prefix};", dart_string(&proto_import(file)));
    }

    out.push_str("\n/// The schema's tables, generated from `schema/`.\n");
    out.push_str("abstract final class EventwireSchema {\n");

    out.push_str("  /// Every event, by routing name.\n");
    out.push_str("  static final Map<String, EventSpec> events = <String, EventSpec>{\n");
    for m in &model.modules {
        for e in &m.events {
            let _ = writeln!(out, "    {}: EventSpec(", dart_string(&e.name));
            let _ = writeln!(out, "      module: {},", dart_string(&m.name));
            let _ = writeln!(out, "      name: {},", dart_string(&e.name));
            let _ = writeln!(out, "      id: {},", e.id);
            if let Some(i) = &e.input {
                let _ = writeln!(out, "      input: {}.{}.new,", prefix_of(i), dart_message_name(&i.full_name, &model.package));
            }
            if let Some(o) = &e.output {
                let _ = writeln!(out, "      output: {}.{}.new,", prefix_of(o), dart_message_name(&o.full_name, &model.package));
            }
            if let Some(ms) = e.timeout_ms {
                let _ = writeln!(out, "      timeoutMs: {ms},");
            }
            out.push_str("    ),\n");
        }
    }
    out.push_str("  };\n\n");

    out.push_str("  /// Every notification, by (source, ty).\n");
    out.push_str("  static final Map<(String, int), NotificationSpec> notifications =\n");
    out.push_str("      <(String, int), NotificationSpec>{\n");
    for m in &model.modules {
        for n in &m.notifications {
            let _ = writeln!(out, "    ({}, {}): NotificationSpec(", dart_string(&n.source), n.ty);
            let _ = writeln!(out, "      module: {},", dart_string(&m.name));
            let _ = writeln!(out, "      name: {},", dart_string(&n.name));
            let _ = writeln!(out, "      source: {},", dart_string(&n.source));
            let _ = writeln!(out, "      ty: {},", n.ty);
            let _ = writeln!(
                out,
                "      payload: {}.{}.new,",
                prefix_of(&n.payload),
                dart_message_name(&n.payload.full_name, &model.package)
            );
            out.push_str("    ),\n");
        }
    }
    out.push_str("  };\n\n");

    out.push_str("  /// Every message type of the schema, by full protobuf name.\n");
    out.push_str("  static final Map<String, GeneratedMessage Function()> messages =\n");
    out.push_str("      <String, GeneratedMessage Function()>{\n");
    for m in &messages {
        let prefix = &files[m.parent_file().name()];
        let _ = writeln!(
            out,
            "    {}: {prefix}.{}.new,",
            dart_string(m.full_name()),
            dart_message_name(m.full_name(), m.parent_file().package_name())
        );
    }
    out.push_str("  };\n\n");

    let errors = &files[ERRORS_PROTO];
    out.push_str("  /// The category of every error code (the `category` option in errors.proto).\n");
    let _ = writeln!(out, "  static final Map<{errors}.ErrorCode, {errors}.ErrorCategory> errorCategories =");
    let _ = writeln!(out, "      <{errors}.ErrorCode, {errors}.ErrorCategory>{{");
    for (code, category) in error_categories() {
        let _ = writeln!(out, "    {errors}.ErrorCode.{code}: {errors}.ErrorCategory.{category},");
    }
    out.push_str("  };\n");
    out.push_str("}\n");
    GeneratedFile { path: format!("{OUT_DIR}/{SCHEMA}"), contents: out }
}

/// (ErrorCode value name, ErrorCategory value name), in number order.
fn error_categories() -> Vec<(String, String)> {
    let pool = eventwire_schema::descriptor_pool();
    let codes = pool.get_enum_by_name("eventwire.v1.ErrorCode").expect("ErrorCode is in the schema");
    let mut out: Vec<(i32, String, String)> = codes
        .values()
        .filter_map(|v| {
            let code = ErrorCode::try_from(v.number()).ok()?;
            Some((v.number(), v.name().to_owned(), code.category().as_str_name().to_owned()))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, c, k)| (c, k)).collect()
}

fn barrel_file(model: &Model) -> GeneratedFile {
    let messages = schema_messages();
    let protos: BTreeSet<String> = messages.iter().map(|m| m.parent_file().name().to_owned()).collect();
    let mut inputs: Vec<String> = model.modules.iter().map(|m| m.table_file.clone()).collect();
    inputs.extend(protos.iter().map(|p| proto_path(p)));

    let mut out = String::new();
    header(&mut out, &inputs);
    out.push_str("/// Every generated library: the event layer and the message classes it uses.\n");
    out.push_str("library;\n\n");
    let mut exports: Vec<String> = model.modules.iter().map(|m| module_file_name(&m.name)).collect();
    exports.push(SCHEMA.to_owned());
    // The protocol's own messages (package eventwire.v1); the testee protocol stays internal.
    exports.extend(
        protos.iter().filter(|p| p.starts_with("eventwire/v1/")).map(|p| proto_import(p)),
    );
    exports.sort();
    for e in exports {
        let _ = writeln!(out, "export {};", dart_string(&e));
    }
    GeneratedFile { path: format!("{OUT_DIR}/{BARREL}"), contents: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(event_class("user", "SignIn"), "UserEventSignIn");
        assert_eq!(event_class("document_store", "Get"), "DocumentStoreEventGet");
        assert_eq!(notifications_class("user"), "UserNotifications");
        assert_eq!(notification_method("UserSignedIn"), "onUserSignedIn");
        assert_eq!(dart_message_name("eventwire.v1.Outer.Inner", "eventwire.v1"), "Outer_Inner");
        assert_eq!(proto_import("eventwire/v1/user.proto"), "../proto/eventwire/v1/user.pb.dart");
        assert_eq!(import_prefix("eventwire/conformance/v1/testee.proto"), "conformance_v1_testee");
    }

    #[test]
    fn string_literals_escape_what_dart_interprets() {
        assert_eq!(dart_string("a'b\\c$d\n"), r"'a\'b\\c\$d\n'");
    }

    #[test]
    fn every_error_code_has_a_category() {
        let pairs = error_categories();
        assert_eq!(pairs.len(), eventwire_schema::descriptor_pool().get_enum_by_name("eventwire.v1.ErrorCode").unwrap().values().len());
        assert!(pairs.contains(&("ERROR_CODE_CANCELLED".to_owned(), "ERROR_CATEGORY_CANCELLED".to_owned())));
    }
}

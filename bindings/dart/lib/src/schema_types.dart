import 'package:protobuf/protobuf.dart';

/// One row of an event table, as the generated `EventwireSchema.events` holds it.
final class EventSpec {
  /// A table row.
  const EventSpec({
    required this.module,
    required this.name,
    required this.id,
    this.input,
    this.output,
    this.timeoutMs,
  });

  /// The module the event belongs to, e.g. `user`.
  final String module;

  /// The routing name, e.g. `SignIn`.
  final String name;

  /// The event's number in its table.
  final int id;

  /// Creates an empty input message; `null` for an event without input.
  final GeneratedMessage Function()? input;

  /// Creates an empty output message; `null` for an event without output.
  final GeneratedMessage Function()? output;

  /// The deadline the table declares, if any.
  final int? timeoutMs;
}

/// One notification of an event table, as the generated `EventwireSchema.notifications` holds it.
final class NotificationSpec {
  /// A table row.
  const NotificationSpec({
    required this.module,
    required this.name,
    required this.source,
    required this.ty,
    required this.payload,
  });

  /// The module that declares it.
  final String module;

  /// Its name in the table, e.g. `UserSignedIn`.
  final String name;

  /// The `source` it is sent with.
  final String source;

  /// The `ty` it is sent with; unique within [source] only.
  final int ty;

  /// Creates an empty payload message.
  final GeneratedMessage Function() payload;
}

import 'package:protobuf/protobuf.dart';

/// One notification of an event table, as a generated `EventwireSchema.notifications` holds it.
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

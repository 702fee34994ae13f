import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'gen/proto/eventwire/v1/notification.pb.dart';
import 'result.dart';

/// One well-formed notification (SPEC.md section 9): exactly one of [payload] and [error].
final class EventwireNotification {
  /// A notification as a backend sent it.
  EventwireNotification({
    required this.source,
    required this.ty,
    required this.id,
    required this.seq,
    this.payload,
    this.error,
  }) : assert((payload == null) != (error == null));

  /// The module that emitted it.
  final String source;

  /// The notification kind, unique within [source] only.
  final int ty;

  /// The object it is about, or empty.
  final String id;

  /// Its position in this subscriber's stream (from 1; gaps mean drops), or 0 when unnumbered.
  final int seq;

  /// The encoded payload message, when the notification is not an error.
  final List<int>? payload;

  /// The error the notification reports, instead of a payload.
  final FlowyError? error;

  /// Whether a listener for ([source], [ty]) and, when given, [id] receives it.
  ///
  /// `ty` is compared together with `source`: `ty` numbers repeat across sources.
  bool matches(String source, int ty, [String? id]) =>
      this.source == source && this.ty == ty && (id == null || this.id == id);

  @override
  String toString() =>
      'EventwireNotification($source/$ty, id: "$id", seq: $seq, ${error == null ? 'payload' : 'error'})';
}

/// A notification that breaks the protocol; it is delivered to no listener.
final class MalformedNotification {
  /// A notification that could not be delivered.
  const MalformedNotification(this.reason, this.bytes);

  /// What is wrong with it.
  final String reason;

  /// The bytes as received.
  final List<int> bytes;

  @override
  String toString() => 'MalformedNotification($reason)';
}

/// Decodes an encoded `SubscribeObject` and checks it carries exactly one of payload and error,
/// and that an error is a `FlowyError`.
Result<EventwireNotification, MalformedNotification> decodeNotification(
    List<int> bytes) {
  final SubscribeObject object;
  try {
    object = SubscribeObject.fromBuffer(bytes);
  } catch (e) {
    return Err(MalformedNotification('not a SubscribeObject: $e', bytes));
  }
  final hasPayload = object.hasPayload();
  final hasError = object.hasError();
  if (hasPayload == hasError) {
    return Err(MalformedNotification(
        hasPayload ? 'both payload and error are set' : 'neither payload nor error is set',
        bytes));
  }
  FlowyError? error;
  if (hasError) {
    try {
      error = FlowyError.fromBuffer(object.error);
    } catch (e) {
      return Err(MalformedNotification('error is not a FlowyError: $e', bytes));
    }
  }
  return Ok(EventwireNotification(
    source: object.source,
    ty: object.ty,
    id: object.id,
    seq: object.seq.toInt(),
    payload: hasPayload ? object.payload : null,
    error: error,
  ));
}

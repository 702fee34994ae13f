import 'cancel_token.dart';
import 'client.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'result.dart';

/// A code an event declares in its table: each generated per-event code enum implements it.
abstract interface class DeclaredCode {
  /// The number on the wire.
  int get number;

  /// The category the schema assigns to the code.
  ErrorCategory get category;
}

/// The declared codes of an event that declares none (or may answer any): it has no values, so
/// a switch over [EventError.kind] needs no [Declared] case.
abstract final class NoCode implements DeclaredCode {}

/// What an error's code is, for an event declaring the codes `C`: a `switch` over it is
/// exhaustive, and a number neither declared nor the protocol's is still representable
/// ([Unknown], SPEC.md REQ-ERR-8).
sealed class ErrorKind<C extends DeclaredCode> {
  const ErrorKind();
}

/// One of the codes the event declares.
final class Declared<C extends DeclaredCode> extends ErrorKind<C> {
  /// The declared [code].
  const Declared(this.code);

  /// The code, a value of the event's code enum.
  final C code;

  @override
  bool operator ==(Object other) => other is Declared<C> && other.code == code;

  @override
  int get hashCode => Object.hash(Declared, code);

  @override
  String toString() => 'Declared($code)';
}

/// One of the protocol's codes (deadlines, cancellation, limits, transport failures, ...).
final class Protocol<C extends DeclaredCode> extends ErrorKind<C> {
  /// The protocol [code].
  const Protocol(this.code);

  /// The protocol's code.
  final ErrorCode code;

  @override
  bool operator ==(Object other) => other is Protocol<C> && other.code == code;

  @override
  int get hashCode => Object.hash(Protocol, code);

  @override
  String toString() => 'Protocol(${code.name})';
}

/// A number that is neither declared by the event nor one of the protocol's codes.
final class Unknown<C extends DeclaredCode> extends ErrorKind<C> {
  /// The unknown [number].
  const Unknown(this.number);

  /// The number as received.
  final int number;

  @override
  bool operator ==(Object other) => other is Unknown<C> && other.number == number;

  @override
  int get hashCode => Object.hash(Unknown, number);

  @override
  String toString() => 'Unknown($number)';
}

/// The number of [error]'s code as received, also for a number this binding's `ErrorCode` does
/// not declare (the protobuf runtime keeps such a value among the unknown fields).
int codeNumber(FlowyError error) {
  final unknown = error.unknownFields.getField(1);
  if (unknown != null && unknown.varints.isNotEmpty) {
    return unknown.varints.last.toSigned(32).toInt();
  }
  return error.code.value;
}

/// The error of a call of an event declaring the codes `C`.
final class EventError<C extends DeclaredCode> {
  /// [error] classified against [codes], the event's declared codes.
  factory EventError.of(FlowyError error, List<C> codes) {
    final number = codeNumber(error);
    for (final c in codes) {
      if (c.number == number) return EventError._(error, number, Declared<C>(c));
    }
    final protocol = ErrorCode.valueOf(number);
    if (protocol != null) return EventError._(error, number, Protocol<C>(protocol));
    return EventError._(error, number, Unknown<C>(number));
  }

  const EventError._(this.error, this.number, this.kind);

  /// The error as received (or raised by this binding).
  final FlowyError error;

  /// The code's number.
  final int number;

  /// The code, classified: switch over it.
  final ErrorKind<C> kind;

  /// The category the error carries (the schema's for the code).
  ErrorCategory get category => error.category;

  /// The message, for logs.
  String get msg => error.msg;

  @override
  bool operator ==(Object other) => other is EventError<C> && other.error == error;

  @override
  int get hashCode => error.hashCode;

  @override
  String toString() => 'EventError($kind, ${error.msg})';
}

/// One event of a table: what the generated class of the event sends and decodes.
final class EventSpec<O, C extends DeclaredCode> {
  /// A table row.
  const EventSpec({
    required this.module,
    required this.name,
    required this.id,
    required this.decode,
    required this.codes,
    this.timeoutMs,
  });

  /// The module the event belongs to, e.g. `todo`.
  final String module;

  /// The routing name, e.g. `CreateTodo`.
  final String name;

  /// The event's number in its table.
  final int id;

  /// Decodes the output (for an event without output, [discardOutput]).
  final O Function(List<int> bytes) decode;

  /// The codes the event declares.
  final List<C> codes;

  /// The deadline the table declares, if any.
  final int? timeoutMs;
}

/// A request of one event, ready to send: the base of every generated event class.
abstract base class EventCall<O, C extends DeclaredCode> {
  /// A request.
  const EventCall();

  /// The event's table row.
  EventSpec<O, C> get spec;

  /// The encoded input (empty for an event without input).
  List<int> get payload => const <int>[];

  /// Sends the event through [client] (default: [EventwireClient.defaultClient]).
  ///
  /// Completes exactly once and never throws: with the output, or with the backend's error, or
  /// with `ERROR_CODE_REQUEST_TIMEOUT` after [timeout], `ERROR_CODE_CANCELLED` when [cancel]
  /// fires, or an error describing a transport failure.
  Future<Result<O, EventError<C>>> send({
    Duration? timeout,
    CancelToken? cancel,
    EventwireClient? client,
  }) async {
    final result = await EventwireClient.invokeWith<O>(
      client,
      spec.name,
      payload,
      spec.decode,
      timeout: timeout,
      cancel: cancel,
    );
    return result.mapErr((e) => EventError<C>.of(e, spec.codes));
  }
}

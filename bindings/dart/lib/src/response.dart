import 'dart:typed_data';

import 'errors.dart';
import 'gen/proto/eventwire/v1/envelope.pb.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'result.dart';

/// What one encoded `FFIResponse` says, before its output is decoded.
sealed class ResponseOutcome {
  const ResponseOutcome();
}

/// Status OK: the encoded output message.
final class OutputBytes extends ResponseOutcome {
  /// The output of a successful call.
  const OutputBytes(this.bytes);

  /// The encoded output message (empty for an event without output).
  final List<int> bytes;
}

/// Any other status: the backend's error.
final class ErrorResponse extends ResponseOutcome {
  /// The error a backend answered with.
  const ErrorResponse(this.error);

  /// The decoded error.
  final FlowyError error;
}

/// The response cannot be interpreted.
final class MalformedResponse extends ResponseOutcome {
  /// A response that breaks the protocol.
  const MalformedResponse(this.kind, this.message);

  /// What is wrong with it.
  final MalformedResponseKind kind;

  /// A description, for logs.
  final String message;
}

/// The ways a response can break the protocol.
enum MalformedResponseKind {
  /// The bytes are not an `FFIResponse`.
  envelope,

  /// The status is not OK and the payload is not a `FlowyError`.
  errorPayload,

  /// The status is OK and the payload is not the event's output type.
  output,
}

/// The field number of `FFIResponse.code`.
const int _statusField = 2;

/// Reads an encoded `FFIResponse` (SPEC.md section 5).
///
/// Any status but OK means the payload is a `FlowyError`: status INTERNAL (2) and statuses this
/// binding does not know are treated as ERR. The Dart protobuf runtime keeps an unknown enum
/// number as an unknown field and leaves the field at its default (OK), so the unknown field is
/// checked explicitly: otherwise status 7 would read as success.
ResponseOutcome interpretEnvelope(List<int> bytes) {
  final FFIResponse response;
  try {
    response = FFIResponse.fromBuffer(bytes);
  } catch (e) {
    return MalformedResponse(
        MalformedResponseKind.envelope, 'not an FFIResponse: $e');
  }
  final ok = response.code == FFIStatusCode.FFI_STATUS_CODE_OK &&
      !response.unknownFields.hasField(_statusField);
  if (ok) return OutputBytes(response.payload);
  try {
    return ErrorResponse(FlowyError.fromBuffer(response.payload));
  } catch (e) {
    return MalformedResponse(
        MalformedResponseKind.errorPayload, 'error payload is not a FlowyError: $e');
  }
}

/// Reads an encoded `FFIResponse` and decodes its output with [decodeOutput].
///
/// A response that breaks the protocol becomes an `ERROR_CODE_INTERNAL` error naming what is
/// wrong: the caller gets a typed error either way, never an exception.
Result<O, FlowyError> interpretResponse<O>(
  List<int> bytes,
  O Function(List<int> bytes) decodeOutput,
) {
  return switch (interpretEnvelope(bytes)) {
    OutputBytes(bytes: final output) => _decodeOutput(output, decodeOutput),
    ErrorResponse(:final error) => Err(error),
    MalformedResponse(:final message) => Err(flowyError(
        ErrorCode.ERROR_CODE_INTERNAL, 'malformed response: $message')),
  };
}

Result<O, FlowyError> _decodeOutput<O>(
  List<int> output,
  O Function(List<int> bytes) decodeOutput,
) {
  try {
    return Ok(decodeOutput(output));
  } catch (e) {
    return Err(flowyError(ErrorCode.ERROR_CODE_INTERNAL,
        'malformed response: output does not decode: $e'));
  }
}

/// The output decoder of an event without output: any OK payload is accepted and ignored.
void discardOutput(List<int> bytes) {}

/// An encoded `FFIRequest`.
Uint8List encodeRequest(String event, List<int> payload) =>
    (FFIRequest()
          ..event = event
          ..payload = payload)
        .writeToBuffer();

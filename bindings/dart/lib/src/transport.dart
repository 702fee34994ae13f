import 'dart:typed_data';

import 'cancel_token.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'result.dart';

/// Carries encoded envelopes between this process and a backend.
///
/// A transport knows nothing of events or message types: it moves `FFIRequest` bytes out and
/// `FFIResponse` and `SubscribeObject` bytes in. Implementations: `FfiTransport` (the C ABI, in
/// process) and `StreamTransport` / `StdioTransport` (framed `StreamFrame`s over a byte stream).
abstract interface class Transport {
  /// Sends one encoded `FFIRequest` and completes with the encoded `FFIResponse`.
  ///
  /// Completes exactly once and never throws. A transport failure, a [timeout] that passes
  /// (`ERROR_CODE_REQUEST_TIMEOUT`) and a [cancel] that fires (`ERROR_CODE_CANCELLED`) complete
  /// it with an [Err]; the backend is then told to stop working on the request. Without
  /// [timeout], the transport's fallback deadline still bounds the wait.
  Future<Result<Uint8List, FlowyError>> call(
    Uint8List request, {
    Duration? timeout,
    CancelToken? cancel,
  });

  /// Encoded `SubscribeObject` messages, in the order the backend delivered them. Broadcast.
  Stream<Uint8List> get notifications;

  /// Stops the transport; calls still pending complete with a transport error.
  Future<void> close();
}

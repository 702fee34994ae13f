import 'dart:async';
import 'dart:typed_data';

import 'cancel_token.dart';
import 'errors.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'notification.dart';
import 'response.dart';
import 'result.dart';
import 'transport.dart';

export 'response.dart' show discardOutput;

/// Events and notifications over one [Transport].
///
/// The generated event classes (`UserEventSignIn(...).send()`) and notification streams
/// (`UserNotifications.onUserSignedIn()`) use [defaultClient] unless given a client.
final class EventwireClient {
  /// A client of the backend behind [transport].
  EventwireClient(this.transport) {
    _subscription = transport.notifications.listen(_onNotification);
  }

  /// The client generated code uses when it is given none.
  static EventwireClient? defaultClient;

  /// Where requests go and notifications come from.
  final Transport transport;

  late final StreamSubscription<Uint8List> _subscription;
  // Synchronous: events are forwarded inside the transport's own delivery, so that the order
  // of notifications relative to responses is the transport's.
  final StreamController<EventwireNotification> _notifications =
      StreamController<EventwireNotification>.broadcast(sync: true);
  final StreamController<MalformedNotification> _malformed =
      StreamController<MalformedNotification>.broadcast(sync: true);
  bool _closed = false;

  /// Every well-formed notification, in delivery order.
  Stream<EventwireNotification> get notifications => _notifications.stream;

  /// Notifications that break the protocol (both or neither of payload and error, an error
  /// that is not a `FlowyError`, a payload that is not the declared type). They reach no
  /// listener; this stream is for logs.
  Stream<MalformedNotification> get malformedNotifications => _malformed.stream;

  /// Sends event [event] with its encoded input [payload] and decodes the output with
  /// [decodeOutput]. Completes exactly once and never throws (see [Transport.call]).
  Future<Result<O, FlowyError>> invoke<O>(
    String event,
    List<int> payload,
    O Function(List<int> bytes) decodeOutput, {
    Duration? timeout,
    CancelToken? cancel,
  }) async {
    if (_closed) {
      return Err<O, FlowyError>(transportFailure('the client was closed'));
    }
    final response = await transport.call(encodeRequest(event, payload),
        timeout: timeout, cancel: cancel);
    return switch (response) {
      Ok(value: final bytes) => interpretResponse(bytes, decodeOutput),
      Err(:final error) => Err<O, FlowyError>(error),
    };
  }

  /// The payloads of notifications (source, ty) and, when given, [id], decoded with [decode].
  ///
  /// A notification that reports a failure arrives as a [FlowyError] error event; one whose
  /// payload does not decode goes to [malformedNotifications] instead.
  Stream<T> subscribe<T>(
    String source,
    int ty,
    T Function(List<int> bytes) decode, {
    String? id,
  }) =>
      _notifications.stream.where((n) => n.matches(source, ty, id)).transform(
            StreamTransformer<EventwireNotification, T>.fromHandlers(
              handleData: (n, sink) {
                final error = n.error;
                if (error != null) {
                  sink.addError(error);
                  return;
                }
                final T payload;
                try {
                  payload = decode(n.payload ?? const <int>[]);
                } catch (e) {
                  if (!_malformed.isClosed) {
                    _malformed.add(MalformedNotification(
                        'payload of $source/$ty does not decode: $e',
                        n.payload ?? const <int>[]));
                  }
                  return;
                }
                sink.add(payload);
              },
            ),
          );

  /// Closes the transport; pending calls complete with a transport error.
  Future<void> close() async {
    if (_closed) return;
    _closed = true;
    await transport.close();
    await _subscription.cancel();
    await _notifications.close();
    await _malformed.close();
    if (identical(defaultClient, this)) defaultClient = null;
  }

  void _onNotification(Uint8List bytes) {
    switch (decodeNotification(bytes)) {
      case Ok(value: final notification):
        _notifications.add(notification);
      case Err(error: final malformed):
        _malformed.add(malformed);
    }
  }

  /// [invoke] on [client], or on [defaultClient]; without either, an error
  /// (`ERROR_CODE_BACKEND_NOT_READY`) instead of an exception. Used by generated code.
  static Future<Result<O, FlowyError>> invokeWith<O>(
    EventwireClient? client,
    String event,
    List<int> payload,
    O Function(List<int> bytes) decodeOutput, {
    Duration? timeout,
    CancelToken? cancel,
  }) {
    final target = client ?? defaultClient;
    if (target == null) return Future.value(Err<O, FlowyError>(_noClient()));
    return target.invoke<O>(event, payload, decodeOutput,
        timeout: timeout, cancel: cancel);
  }

  /// [subscribe] on [client], or on [defaultClient]; without either, a stream with one
  /// error (`ERROR_CODE_BACKEND_NOT_READY`). Used by generated code.
  static Stream<T> subscribeWith<T>(
    EventwireClient? client,
    String source,
    int ty,
    T Function(List<int> bytes) decode, {
    String? id,
  }) {
    final target = client ?? defaultClient;
    if (target == null) return Stream<T>.error(_noClient());
    return target.subscribe<T>(source, ty, decode, id: id);
  }

  static FlowyError _noClient() => flowyError(
      ErrorCode.ERROR_CODE_BACKEND_NOT_READY,
      'no EventwireClient: pass client: or set EventwireClient.defaultClient');
}

import 'dart:async';
import 'dart:typed_data';

import 'cancel_token.dart';
import 'errors.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'result.dart';

/// The bookkeeping every transport shares: request ids, one completion per call, deadlines and
/// cancellation.
///
/// A call ends the first time one of these happens: the backend answers ([complete]), its
/// deadline passes, its cancel token fires, or the transport fails ([failAll]). Whatever comes
/// later for the same id is ignored, so each call completes exactly once. When a call ends
/// locally (deadline or cancel), [sendCancel] tells the backend to stop working on it.
final class PendingCalls {
  /// Calls of one transport.
  PendingCalls({required this.fallbackTimeout, required this.sendCancel});

  /// The deadline of a call made without one, so that a backend that never answers cannot
  /// keep a caller waiting forever. Longer than any deadline a backend applies itself.
  final Duration fallbackTimeout;

  /// Tells the backend that the request with this id is no longer wanted.
  final void Function(int id) sendCancel;

  int _nextId = 1;
  final Map<int, _Call> _calls = <int, _Call>{};
  FlowyError? _closedWith;

  /// The number of calls waiting for an answer.
  int get length => _calls.length;

  /// Whether [close] was called.
  bool get isClosed => _closedWith != null;

  /// Starts a call: allocates its id, arms its deadline and cancellation, then runs [send].
  ///
  /// [send] transmits the request with the id and the deadline in milliseconds (0 when the
  /// caller gave none); when it returns an [Err], the call ends with that error.
  Future<Result<Uint8List, FlowyError>> start({
    Duration? timeout,
    CancelToken? cancel,
    required Result<void, FlowyError> Function(int id, int timeoutMs) send,
  }) {
    final closed = _closedWith;
    if (closed != null) return Future.value(Err<Uint8List, FlowyError>(closed));
    if (cancel != null && cancel.isCancelled) {
      return Future.value(Err<Uint8List, FlowyError>(_cancelled()));
    }
    final id = _nextId++;
    final call = _Call();
    _calls[id] = call;
    final deadline = timeout ?? fallbackTimeout;
    call.timer = Timer(deadline, () {
      if (_finish(
          id,
          Err(flowyError(ErrorCode.ERROR_CODE_REQUEST_TIMEOUT,
              'no response within ${deadline.inMilliseconds} ms')))) {
        _safeSendCancel(id);
      }
    });
    if (cancel != null) {
      call.removeCancelListener = cancel.onCancel(() {
        if (_finish(id, Err(_cancelled()))) _safeSendCancel(id);
      });
    }
    final Result<void, FlowyError> sent;
    try {
      sent = send(id, timeout?.inMilliseconds ?? 0);
    } catch (e) {
      _finish(id, Err(transportFailure('sending failed: $e')));
      return call.completer.future;
    }
    if (sent case Err(:final error)) _finish(id, Err(error));
    return call.completer.future;
  }

  /// Completes call [id] with the backend's answer; returns false when the call already ended
  /// (answered, timed out, cancelled) or never existed.
  bool complete(int id, Result<Uint8List, FlowyError> outcome) =>
      _finish(id, outcome);

  /// Ends every pending call with [error].
  void failAll(FlowyError error) {
    for (final id in List<int>.of(_calls.keys)) {
      _finish(id, Err(error));
    }
  }

  /// Ends every pending call with [error] and refuses new ones with it.
  void close(FlowyError error) {
    _closedWith ??= error;
    failAll(error);
  }

  bool _finish(int id, Result<Uint8List, FlowyError> outcome) {
    final call = _calls.remove(id);
    if (call == null) return false;
    call.timer?.cancel();
    call.removeCancelListener?.call();
    call.completer.complete(outcome);
    return true;
  }

  void _safeSendCancel(int id) {
    try {
      sendCancel(id);
    } catch (_) {
      // The call has already ended locally; a backend that cannot be told simply finishes the
      // work and its late answer is ignored.
    }
  }

  static FlowyError _cancelled() =>
      flowyError(ErrorCode.ERROR_CODE_CANCELLED, 'cancelled by the caller');
}

final class _Call {
  final Completer<Result<Uint8List, FlowyError>> completer =
      Completer<Result<Uint8List, FlowyError>>();
  Timer? timer;
  void Function()? removeCancelListener;
}

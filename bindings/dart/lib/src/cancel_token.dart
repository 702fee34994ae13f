/// Cancels calls from the outside: pass one to `send(cancel: token)` and call [cancel].
///
/// A cancelled call completes at once with `ERROR_CODE_CANCELLED`, and the backend is told to
/// stop working on it. One token may cancel many calls; a call started with a token that is
/// already cancelled is never sent.
final class CancelToken {
  /// A token that has not been cancelled.
  CancelToken();

  bool _cancelled = false;
  final List<void Function()> _listeners = <void Function()>[];

  /// Whether [cancel] has been called.
  bool get isCancelled => _cancelled;

  /// Cancels every call this token was given that has not completed yet. Idempotent.
  void cancel() {
    if (_cancelled) return;
    _cancelled = true;
    final listeners = List<void Function()>.of(_listeners);
    _listeners.clear();
    for (final listener in listeners) {
      listener();
    }
  }

  /// Runs [listener] once when the token is cancelled (at once if it already is). The returned
  /// function removes the listener, so that a completed call does not keep it alive.
  void Function() onCancel(void Function() listener) {
    if (_cancelled) {
      listener();
      return () {};
    }
    _listeners.add(listener);
    return () => _listeners.remove(listener);
  }
}

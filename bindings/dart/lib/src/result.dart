/// The outcome of an event: its output, or the error the call ended with.
///
/// Calls never throw; they complete with a [Result], so that a caller handles the error path at
/// compile time with an exhaustive `switch`:
///
/// ```dart
/// switch (await UserEventSignIn(payload).send()) {
///   case Ok(:final value):
///     print(value.name);
///   case Err(:final error):
///     print(error.code);
/// }
/// ```
sealed class Result<T, E> {
  const Result();

  /// Whether this is an [Ok].
  bool get isOk => this is Ok<T, E>;

  /// Whether this is an [Err].
  bool get isErr => this is Err<T, E>;

  /// The value of an [Ok], or `null`.
  T? get okOrNull => switch (this) {
        Ok<T, E>(:final value) => value,
        Err<T, E>() => null,
      };

  /// The error of an [Err], or `null`.
  E? get errOrNull => switch (this) {
        Ok<T, E>() => null,
        Err<T, E>(:final error) => error,
      };

  /// Transforms the value of an [Ok]; an [Err] passes through.
  Result<U, E> map<U>(U Function(T value) f) => switch (this) {
        Ok<T, E>(:final value) => Ok<U, E>(f(value)),
        Err<T, E>(:final error) => Err<U, E>(error),
      };

  /// Transforms the error of an [Err]; an [Ok] passes through.
  Result<T, F> mapErr<F>(F Function(E error) f) => switch (this) {
        Ok<T, E>(:final value) => Ok<T, F>(value),
        Err<T, E>(:final error) => Err<T, F>(f(error)),
      };

  /// Continues with [f] after an [Ok]; an [Err] passes through.
  Result<U, E> andThen<U>(Result<U, E> Function(T value) f) => switch (this) {
        Ok<T, E>(:final value) => f(value),
        Err<T, E>(:final error) => Err<U, E>(error),
      };

  /// Both arms folded into one value.
  R fold<R>(R Function(T value) onOk, R Function(E error) onErr) =>
      switch (this) {
        Ok<T, E>(:final value) => onOk(value),
        Err<T, E>(:final error) => onErr(error),
      };
}

/// A successful outcome.
final class Ok<T, E> extends Result<T, E> {
  /// An [Ok] holding [value].
  const Ok(this.value);

  /// The output of the call.
  final T value;

  @override
  bool operator ==(Object other) => other is Ok<T, E> && other.value == value;

  @override
  int get hashCode => Object.hash(Ok, value);

  @override
  String toString() => 'Ok($value)';
}

/// A failed outcome.
final class Err<T, E> extends Result<T, E> {
  /// An [Err] holding [error].
  const Err(this.error);

  /// Why the call failed.
  final E error;

  @override
  bool operator ==(Object other) => other is Err<T, E> && other.error == error;

  @override
  int get hashCode => Object.hash(Err, error);

  @override
  String toString() => 'Err($error)';
}

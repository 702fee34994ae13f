import 'gen/protocol_codes.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';

/// A [FlowyError] with [code], the category the schema assigns to it, and [msg].
///
/// The binding raises errors of its own (a timeout, a cancellation, a transport that failed);
/// they carry the category like every backend error does, so callers need one code path.
FlowyError flowyError(ErrorCode code, String msg) => FlowyError()
  ..code = code
  ..msg = msg
  ..category = protocolCategories[code] ??
      ErrorCategory.ERROR_CATEGORY_UNSPECIFIED;

/// The error of a transport that failed or was closed before the answer arrived
/// (`ERROR_CODE_TRANSPORT_CLOSED`, retryable): the request may or may not have run.
FlowyError transportFailure(String msg) =>
    flowyError(ErrorCode.ERROR_CODE_TRANSPORT_CLOSED, 'transport: $msg');

/// What a caller can do about a [FlowyError].
extension FlowyErrorRetry on FlowyError {
  /// Whether sending the same request again later may succeed.
  ///
  /// Decided by [FlowyError.category], which a backend sends with every error, so that codes
  /// newer than this binding are still handled correctly.
  bool get isRetryable => switch (category) {
        ErrorCategory.ERROR_CATEGORY_UNAVAILABLE ||
        ErrorCategory.ERROR_CATEGORY_RESOURCE_EXHAUSTED ||
        ErrorCategory.ERROR_CATEGORY_DEADLINE_EXCEEDED =>
          true,
        _ => false,
      };
}

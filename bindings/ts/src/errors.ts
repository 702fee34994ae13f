// Building and describing FlowyError values on the client side.
//
// The client answers some calls itself (timeouts, cancellation, transport failures, malformed
// responses). Those answers are FlowyErrors like the backend's, with the category the schema
// assigns to the code, so a caller handles every failure the same way.

import { create, type DescEnumValue, getOption } from "@bufbuild/protobuf";
import {
  category as categoryOption,
  ErrorCategory,
  ErrorCategorySchema,
  ErrorCode,
  ErrorCodeSchema,
  type FlowyError,
  FlowyErrorSchema,
} from "./gen/eventwire/v1/errors_pb.js";

/**
 * The category the schema assigns to `code` (the `(category)` option of the ErrorCode value), or
 * `undefined` for a code this version of the schema does not know.
 */
export function categoryOf(code: ErrorCode): ErrorCategory | undefined {
  const value = codeValue(code);
  if (value === undefined) return undefined;
  return getOption(value, categoryOption);
}

/** A FlowyError with `code`, `msg` and the schema category of `code`. */
export function flowyError(code: ErrorCode, msg: string, payload?: Uint8Array): FlowyError {
  return create(FlowyErrorSchema, {
    code,
    msg,
    payload: payload ?? new Uint8Array(0),
    category: categoryOf(code) ?? ErrorCategory.UNSPECIFIED,
  });
}

/** `ERROR_CODE_NAME (number)`, for logs; unknown codes print as their number. */
export function describeCode(code: number): string {
  const value = codeValue(code);
  return value === undefined ? `unknown error code ${code}` : `${value.name} (${code})`;
}

function codeValue(code: number): DescEnumValue | undefined {
  return ErrorCodeSchema.values.find((v) => v.number === code);
}

/**
 * What `error` means, by category (REQ-ERR-9): for a code this schema declares, the category the
 * schema assigns (a received category that disagrees is ignored); for any other code, the received
 * category, unless it is `UNSPECIFIED` or a category this schema does not declare: then `INTERNAL`.
 */
export function effectiveCategory(error: FlowyError): ErrorCategory {
  const declared = categoryOf(error.code);
  if (declared !== undefined) return declared;
  const known = ErrorCategorySchema.values.some((v) => v.number === error.category);
  return known && error.category !== ErrorCategory.UNSPECIFIED
    ? error.category
    : ErrorCategory.INTERNAL;
}

/**
 * Whether sending the same request again later may succeed, from the error's effective category
 * (which a receiver has even for a code it does not know). `UNAVAILABLE` and `RESOURCE_EXHAUSTED`
 * are decided before a handler runs, except `TRANSPORT_CLOSED`, after which the request may or may
 * not have run; `DEADLINE_EXCEEDED` may have run partly. Retry only idempotent events blindly.
 */
export function isRetryable(error: FlowyError): boolean {
  switch (effectiveCategory(error)) {
    case ErrorCategory.UNAVAILABLE:
    case ErrorCategory.RESOURCE_EXHAUSTED:
    case ErrorCategory.DEADLINE_EXCEEDED:
      return true;
    default:
      return false;
  }
}

/**
 * Thrown by a transport when it cannot deliver a request or its answer: the process behind it
 * exited, the pipe broke, the backend sent a fault frame, or the answer was not well-formed.
 * The client turns it into a failed result; it never reaches the caller as an exception.
 */
export class TransportError extends Error {
  readonly error: FlowyError;

  constructor(error: FlowyError, options?: { cause?: unknown }) {
    super(error.msg, options);
    this.name = "TransportError";
    this.error = error;
  }

  /**
   * The transport closed before the answer arrived (the backend's output ended, its process
   * exited, a pipe broke): `TRANSPORT_CLOSED`, category `UNAVAILABLE` (REQ-TRANS-STREAM-10). The
   * request may or may not have run.
   */
  static closed(msg: string, cause?: unknown): TransportError {
    return new TransportError(flowyError(ErrorCode.TRANSPORT_CLOSED, msg), { cause });
  }

  /**
   * The transport failed otherwise: what arrived cannot be read as an answer (not an
   * FFIResponse, a malformed bridge reply), or the host rejected the call (a Tauri `invoke`
   * error): `INTERNAL`.
   */
  static internal(msg: string, cause?: unknown): TransportError {
    return new TransportError(flowyError(ErrorCode.INTERNAL, msg), { cause });
  }
}

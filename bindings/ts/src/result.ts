// The outcome of a call: a value or a FlowyError, never an exception.

import type { FlowyError } from "./gen/eventwire/v1/errors_pb.js";

/**
 * Who decided a failure:
 * - `"backend"`: the backend answered with this error.
 * - `"client"`: this client decided it without an answer (the deadline passed, the caller
 *   cancelled, or the answer could not be decoded).
 * - `"transport"`: the transport failed (the host process exited, the pipe broke, the backend
 *   reported a fault for the frame).
 */
export type ErrorOrigin = "backend" | "client" | "transport";

export interface Success<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Failure {
  readonly ok: false;
  readonly error: FlowyError;
  readonly origin: ErrorOrigin;
}

/** `if (r.ok) use(r.value); else handle(r.error)`. */
export type Result<T> = Success<T> | Failure;

export function success<T>(value: T): Success<T> {
  return { ok: true, value };
}

export function failure(error: FlowyError, origin: ErrorOrigin): Failure {
  return { ok: false, error, origin };
}

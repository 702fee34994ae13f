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

export interface Failure<E = FlowyError> {
  readonly ok: false;
  readonly error: E;
  readonly origin: ErrorOrigin;
}

/** `if (r.ok) use(r.value); else handle(r.error)`. A generated call's `E` is its `EventError`. */
export type Result<T, E = FlowyError> = Success<T> | Failure<E>;

export function success<T>(value: T): Success<T> {
  return { ok: true, value };
}

export function failure<E = FlowyError>(error: E, origin: ErrorOrigin): Failure<E> {
  return { ok: false, error, origin };
}

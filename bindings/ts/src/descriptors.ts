// Descriptions of events and notifications, as the generated code declares them from the event
// tables. The client needs nothing else to call an event or route a notification.

import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { ErrorCode, FlowyError } from "./gen/eventwire/v1/errors_pb.js";

declare const unknownCode: unique symbol;

/**
 * A code number that is neither one the event declares nor one of the protocol's: a code newer
 * than this front end, or one the backend should not have sent. Still a number at run time
 * (REQ-ERR-8); the brand keeps it from swallowing the declared codes in a union, so that
 * `switch (error.code)` narrows each declared code, and what is left after them is `OtherCode`.
 */
export type UnknownCode = number & { readonly [unknownCode]: true };

/**
 * Every code but an event's declared ones. Assigning `error.code` to it in the `default` of a
 * `switch` fails to compile while a declared code is unhandled: an exhaustive switch.
 */
export type OtherCode = ErrorCode | UnknownCode;

/**
 * The error of a call of an event declaring the codes `C`: a `FlowyError` whose `code` is one of
 * `C`, one of the protocol's codes (deadlines, cancellation, limits, ...), or an `UnknownCode`.
 */
export type EventError<C extends number = number> = Omit<FlowyError, "code"> & {
  readonly code: C | ErrorCode | UnknownCode;
};

/**
 * One event of an event table. `I`/`O` are `undefined` for an event without input/output; `C` is
 * the union of the codes its table declares (`never` for none, `number` for any).
 */
export interface EventDesc<
  I extends DescMessage | undefined = DescMessage | undefined,
  O extends DescMessage | undefined = DescMessage | undefined,
  C extends number = number,
> {
  /** The table's module, e.g. `"user"`. */
  readonly module: string;
  /** The routing name sent on the wire, e.g. `"SignIn"`. */
  readonly name: string;
  /** The event's number in its table (documentation; the wire carries the name). */
  readonly id: number;
  readonly input: I;
  readonly output: O;
  /** The codes the handler may answer with, or `"any"`. Protocol errors can come on top. */
  readonly errors: readonly C[] | "any";
  /** The deadline the table sets for the event, if any. */
  readonly timeoutMs?: number;
}

/** One notification of an event table, addressed by (source, ty). */
export interface NotificationDesc<P extends DescMessage = DescMessage> {
  readonly name: string;
  readonly source: string;
  /** Unique within `source` only. */
  readonly ty: number;
  readonly payload: P;
}

/** What a generated function takes as input: a message or an init object for one. */
export type EventInput<I extends DescMessage | undefined> = I extends DescMessage
  ? MessageInitShape<I>
  : undefined;

/** What a successful call yields: the output message, or `undefined` for an event without one. */
export type EventOutput<O extends DescMessage | undefined> = O extends DescMessage
  ? MessageShape<O>
  : undefined;

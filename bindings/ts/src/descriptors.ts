// Descriptions of events and notifications, as the generated code declares them from the event
// tables. The client needs nothing else to call an event or route a notification.

import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";

/** One event of an event table. `I`/`O` are `undefined` for an event without input/output. */
export interface EventDesc<
  I extends DescMessage | undefined = DescMessage | undefined,
  O extends DescMessage | undefined = DescMessage | undefined,
> {
  /** The table's module, e.g. `"user"`. */
  readonly module: string;
  /** The routing name sent on the wire, e.g. `"SignIn"`. */
  readonly name: string;
  /** The event's number in its table (documentation; the wire carries the name). */
  readonly id: number;
  readonly input: I;
  readonly output: O;
  /**
   * The codes the handler may answer with, or `"any"`: protocol codes (`ErrorCode`) and the
   * application's own (its error-code enum), which are numbers on the wire. Protocol errors can
   * come on top.
   */
  readonly errors: readonly number[] | "any";
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

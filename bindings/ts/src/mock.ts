// A backend for front-end tests, with no process behind it: typed handlers per event, typed
// notifications, and a transport to give to `createClient`. The generated `createMockBackend()`
// of a schema makes one that knows every event of that schema.
//
// Requests and answers go through the same bytes as with a real backend: inputs are decoded from
// the canonical encoding the client sent, outputs and errors are encoded for the client to
// decode, so a test exercises the client's whole path except the process.

import {
  create,
  type DescMessage,
  fromBinary,
  getOption,
  type MessageInitShape,
  type MessageShape,
  type Registry,
  toBinary,
} from "@bufbuild/protobuf";
import { toCanonicalBinary } from "./canonical.js";
import type { EventDesc, NotificationDesc } from "./descriptors.js";
import { categoryOf } from "./errors.js";
import {
  category as categoryOption,
  ErrorCategory,
  ErrorCode,
  FlowyErrorSchema,
} from "./gen/eventwire/v1/errors_pb.js";
import { SubscribeObjectSchema } from "./gen/eventwire/v1/notification_pb.js";
import type {
  Transport,
  TransportCallOptions,
  TransportListener,
  WireRequest,
  WireResponse,
} from "./transport.js";

/** An error a mock handler answers with: one of the event's codes or a protocol code. */
export class MockError<C extends number = number> {
  constructor(
    readonly code: C | ErrorCode,
    readonly msg: string = "",
    /** Default: the category the schema assigns to `code`. */
    readonly category?: ErrorCategory,
  ) {}
}

/** `return mockError(TodoErrorCode.TODO_NOT_FOUND, "no to-do 7")` from a handler. */
export function mockError<C extends number>(
  code: C | ErrorCode,
  msg = "",
  category?: ErrorCategory,
): MockError<C> {
  return new MockError<C>(code, msg, category);
}

/** What a handler answers: the output (a message or an init object), or a `MockError`. */
export type MockAnswer<O extends DescMessage | undefined, C extends number> =
  (O extends DescMessage ? MessageInitShape<O> : void | undefined) | MockError<C>;

/** A handler of one event: its decoded input in, its answer out (or a promise of it). */
export type MockHandler<
  I extends DescMessage | undefined,
  O extends DescMessage | undefined,
  C extends number,
> = (
  input: I extends DescMessage ? MessageShape<I> : undefined,
) => MockAnswer<O, C> | Promise<MockAnswer<O, C>>;

export interface MockBackendOptions {
  /**
   * The schema's messages and enums (the generated `registry`), for the category of an
   * application's codes. Without it such an error is sent with `category` UNSPECIFIED unless the
   * handler gives one.
   */
  readonly registry?: Registry;
}

/** One request the mock received, in arrival order. */
export interface MockCall {
  readonly event: string;
  /** The decoded input, or `undefined` for an event without input or an unknown event. */
  readonly input: unknown;
}

export class MockBackend {
  /** Give this to `createClient`. */
  readonly transport: Transport;
  /** Every request received, in order. */
  readonly calls: MockCall[] = [];
  readonly #events = new Map<string, EventDesc>();
  readonly #handlers = new Map<
    string,
    MockHandler<DescMessage | undefined, DescMessage | undefined, number>
  >();
  readonly #listeners = new Set<TransportListener>();
  readonly #registry: Registry | undefined;
  #seq = 0n;

  constructor(
    events: readonly EventDesc<DescMessage | undefined, DescMessage | undefined, number>[],
    _notifications: readonly NotificationDesc[] = [],
    options: MockBackendOptions = {},
  ) {
    for (const e of events) this.#events.set(e.name, e as EventDesc);
    this.#registry = options.registry;
    this.transport = {
      call: (request, callOptions) => this.#answer(request, callOptions),
      listen: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
      close: async () => {
        this.#listeners.clear();
      },
    };
  }

  /** Answers `event` with `handler` from now on (replacing an earlier one). */
  handle<I extends DescMessage | undefined, O extends DescMessage | undefined, C extends number>(
    event: EventDesc<I, O, C>,
    handler: MockHandler<NoInfer<I>, NoInfer<O>, NoInfer<C>>,
  ): this {
    this.#events.set(event.name, event as EventDesc);
    this.#handlers.set(
      event.name,
      handler as MockHandler<DescMessage | undefined, DescMessage | undefined, number>,
    );
    return this;
  }

  /** Pushes a notification with `payload` to every client of this mock. */
  emit<P extends DescMessage>(
    desc: NotificationDesc<P>,
    payload: MessageInitShape<P>,
    options: { id?: string } = {},
  ): void {
    const bytes = toBinary(desc.payload, create(desc.payload, payload));
    this.#push({
      source: desc.source,
      ty: desc.ty,
      id: options.id ?? "",
      payloadOneof: { case: "payload", value: bytes },
    });
  }

  /** Pushes a notification that reports a failure. */
  emitError(desc: NotificationDesc, error: MockError, options: { id?: string } = {}): void {
    this.#push({
      source: desc.source,
      ty: desc.ty,
      id: options.id ?? "",
      errorOneof: { case: "error", value: this.#errorBytes(error) },
    });
  }

  #push(init: MessageInitShape<typeof SubscribeObjectSchema>): void {
    this.#seq += 1n;
    const bytes = toBinary(
      SubscribeObjectSchema,
      create(SubscribeObjectSchema, { ...init, seq: this.#seq }),
    );
    for (const l of [...this.#listeners]) l.onNotification(bytes);
  }

  async #answer(request: WireRequest, _options: TransportCallOptions): Promise<WireResponse> {
    const event = this.#events.get(request.event);
    const handler = this.#handlers.get(request.event);
    if (event === undefined || handler === undefined) {
      this.calls.push({ event: request.event, input: undefined });
      const why = event === undefined ? "is not an event of this schema" : "has no mock handler";
      return this.#error(new MockError(ErrorCode.UNKNOWN_EVENT, `${request.event} ${why}`));
    }
    let input: unknown;
    try {
      input = event.input === undefined ? undefined : fromBinary(event.input, request.payload);
    } catch (e) {
      return this.#error(
        new MockError(
          ErrorCode.PROTOBUF_SERDE,
          `the input of ${event.name} does not decode: ${String(e)}`,
        ),
      );
    }
    this.calls.push({ event: request.event, input });
    let answer: unknown;
    try {
      answer = await handler(input as never);
    } catch (e) {
      return this.#error(
        new MockError(ErrorCode.INTERNAL, `the mock handler of ${event.name} threw: ${String(e)}`),
      );
    }
    if (answer instanceof MockError) return this.#error(answer);
    if (event.output === undefined) return { code: 0, payload: new Uint8Array(0) };
    const output = create(event.output, (answer ?? {}) as MessageInitShape<DescMessage>);
    return { code: 0, payload: toCanonicalBinary(event.output, output) };
  }

  #error(error: MockError): WireResponse {
    return { code: 1, payload: this.#errorBytes(error) };
  }

  #errorBytes(error: MockError): Uint8Array {
    const category =
      error.category ??
      categoryOf(error.code) ??
      this.#appCategory(error.code) ??
      ErrorCategory.UNSPECIFIED;
    return toBinary(
      FlowyErrorSchema,
      create(FlowyErrorSchema, { code: error.code, msg: error.msg, category }),
    );
  }

  /** The `(eventwire.v1.category)` of an application code, from the registry's enums. */
  #appCategory(code: number): ErrorCategory | undefined {
    if (this.#registry === undefined) return undefined;
    for (const t of this.#registry) {
      if (t.kind !== "enum") continue;
      const value = t.values.find((v) => v.number === code);
      if (value === undefined) continue;
      const category = getOption(value, categoryOption);
      if (category !== ErrorCategory.UNSPECIFIED) return category;
    }
    return undefined;
  }
}

// The client: calls with results instead of exceptions, deadlines that always apply, cancellation,
// and notifications routed by (source, ty) and optional id.

import { create, type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { toCanonicalBinary } from "./canonical.js";
import type {
  EventDesc,
  EventError,
  EventInput,
  EventOutput,
  NotificationDesc,
} from "./descriptors.js";
import { flowyError, TransportError } from "./errors.js";
import { ErrorCode, type FlowyError, FlowyErrorSchema } from "./gen/eventwire/v1/errors_pb.js";
import { type SubscribeObject, SubscribeObjectSchema } from "./gen/eventwire/v1/notification_pb.js";
import { failure, type Failure, type Result, success } from "./result.js";
import type { Transport, WireResponse } from "./transport.js";

/** The largest deadline a timer can hold (and more than a uint32 of milliseconds on the wire). */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface ClientOptions {
  /**
   * The deadline applied to a call that gives none, in milliseconds. The backend applies its own
   * (30 s by default, less for some events) and normally answers first; this one guarantees that
   * no call waits forever, whatever the transport does. Default 60 000.
   */
  readonly defaultTimeoutMs?: number;
  /**
   * Told about what the client drops instead of delivering: malformed notifications, handlers
   * that threw, transport warnings. Default: `console.warn`.
   */
  readonly onWarning?: (message: string, cause?: unknown) => void;
  /**
   * Told about each malformed notification, which reaches no listener (REQ-NOTIF-2). Default:
   * reported to `onWarning`.
   */
  readonly onMalformedNotification?: (report: MalformedNotification) => void;
  /**
   * The notification kinds the application's tables declare (for example
   * `[...user.notifications, ...document.notifications]`). With them the client judges every
   * notification it receives, whether or not a listener matches it (REQ-NOTIF-16): a payload that
   * is not its declared message is reported malformed even when nobody listens. Without them it
   * knows only the kinds it has listeners for. An undecodable error is judged either way.
   */
  readonly notifications?: readonly NotificationDesc[];
}

/** A notification delivered to no listener because it cannot be read. */
export interface MalformedNotification {
  /**
   * - `"undecodable"`: the bytes are not a `SubscribeObject`;
   * - `"both"` / `"neither"`: both or neither of `payload` and `error` are set;
   * - `"payload"`: the payload does not decode as the type declared for its (source, ty);
   * - `"error"`: the error is not a `FlowyError`.
   */
  readonly reason: "undecodable" | "both" | "neither" | "payload" | "error";
  /** The notification, unless it did not decode at all. */
  readonly notification?: SubscribeObject;
  /** What went wrong, for logs. */
  readonly message: string;
  readonly cause?: unknown;
}

export interface CallOptions {
  /**
   * The deadline for this call, in milliseconds (an integer from 1 to 2^31-1). Sent to the backend
   * where the transport can carry it, and enforced by the client: past it the call resolves with
   * `REQUEST_TIMEOUT`.
   */
  readonly timeoutMs?: number;
  /** Aborting resolves the call with `CANCELLED` and cancels it on the backend where possible. */
  readonly signal?: AbortSignal;
}

export interface SubscribeOptions {
  /** Only notifications about this object (their `id` field equals it). */
  readonly id?: string;
  /** Aborting unsubscribes. */
  readonly signal?: AbortSignal;
}

/** Where a notification came from, alongside its payload or error. */
export interface NotificationMeta {
  readonly source: string;
  readonly ty: number;
  /** The object it is about, or `""`. */
  readonly id: string;
  /** Position in this client's stream; gaps mean the backend dropped some. 0 if not numbered. */
  readonly seq: bigint;
}

/** A notification: its decoded payload (`ok: true`) or the error it carries, with its address. */
export type Notification<T> = Result<T> & NotificationMeta;

export type NotificationHandler<T> = (notification: Notification<T>) => void;

/** Stops a subscription. Calling it again does nothing. */
export type Unsubscribe = () => void;

interface Subscription {
  readonly desc: NotificationDesc;
  readonly id: string | undefined;
  readonly handler: NotificationHandler<never>;
}

export class Client {
  readonly #transport: Transport;
  readonly #defaultTimeoutMs: number;
  readonly #warn: (message: string, cause?: unknown) => void;
  readonly #malformed: (report: MalformedNotification) => void;
  readonly #subscriptions = new Map<string, Set<Subscription>>();
  readonly #declared = new Map<string, NotificationDesc>();
  readonly #stopListening: () => void;

  constructor(transport: Transport, options: ClientOptions = {}) {
    const timeout = options.defaultTimeoutMs ?? 60_000;
    if (!isValidTimeout(timeout)) {
      throw new RangeError(`defaultTimeoutMs: must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
    }
    this.#transport = transport;
    this.#defaultTimeoutMs = timeout;
    this.#warn =
      options.onWarning ?? ((message, cause) => console.warn(`eventwire: ${message}`, cause ?? ""));
    this.#malformed =
      options.onMalformedNotification ?? ((report) => this.#warn(report.message, report.cause));
    for (const desc of options.notifications ?? [])
      this.#declared.set(routeKey(desc.source, desc.ty), desc);
    this.#stopListening = transport.listen({
      onNotification: (n) => this.#route(n),
      onWarning: (message) => this.#warn(message),
    });
  }

  /**
   * Calls `event` with `input`. Always resolves, exactly once: with the output, or with a
   * FlowyError from the backend, from the transport, or from the client itself (deadline passed,
   * cancelled, answer unreadable).
   */
  call<
    I extends DescMessage | undefined,
    O extends DescMessage | undefined,
    C extends number = number,
  >(
    event: EventDesc<I, O, C>,
    input: EventInput<I>,
    options: CallOptions = {},
  ): Promise<Result<EventOutput<O>, EventError<C>>> {
    // Every number is one of C, a protocol code or an UnknownCode: the typed error is the
    // FlowyError as received, with its code's type narrowed to what the event can answer.
    return this.#call(event, input, options) as Promise<Result<EventOutput<O>, EventError<C>>>;
  }

  #call<I extends DescMessage | undefined, O extends DescMessage | undefined, C extends number>(
    event: EventDesc<I, O, C>,
    input: EventInput<I>,
    options: CallOptions,
  ): Promise<Result<EventOutput<O>>> {
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    if (!isValidTimeout(timeoutMs)) {
      return Promise.resolve(
        clientFailure(
          ErrorCode.INVALID_PARAMS,
          `timeoutMs: must be an integer from 1 to ${MAX_TIMEOUT_MS}`,
        ),
      );
    }
    let payload: Uint8Array;
    try {
      payload = encodeInput(event.input, input);
    } catch (e) {
      return Promise.resolve(
        clientFailure(
          ErrorCode.PROTOBUF_SERDE,
          `input of ${event.name} cannot be encoded: ${String(e)}`,
        ),
      );
    }
    const signal = options.signal;
    if (signal?.aborted) {
      return Promise.resolve(
        clientFailure(ErrorCode.CANCELLED, `${event.name} was cancelled before it was sent`),
      );
    }

    return new Promise((resolve) => {
      const stop = new AbortController();
      let settled = false;
      const settle = (result: Result<EventOutput<O>>, abortTransport: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (abortTransport) stop.abort();
        resolve(result);
      };
      const onAbort = (): void =>
        settle(
          clientFailure(ErrorCode.CANCELLED, `${event.name} was cancelled by the caller`),
          true,
        );
      const timer = setTimeout(
        () =>
          settle(
            clientFailure(
              ErrorCode.REQUEST_TIMEOUT,
              `${event.name} got no answer within ${timeoutMs} ms`,
            ),
            true,
          ),
        timeoutMs,
      );
      signal?.addEventListener("abort", onAbort, { once: true });

      let answer: Promise<WireResponse>;
      try {
        answer = this.#transport.call(
          { event: event.name, payload },
          { timeoutMs: options.timeoutMs, signal: stop.signal },
        );
      } catch (e) {
        answer = Promise.reject(e);
      }
      answer.then(
        (response) => settle(interpretResponse(event, response), false),
        (e: unknown) => settle(transportFailure(e), false),
      );
    });
  }

  /**
   * Calls `handler` with each notification `desc` describes (matched on source and ty, and on
   * `options.id` when given), in the order the backend emitted them. Notifications a handler
   * emits before answering arrive before that answer.
   */
  subscribe<P extends DescMessage>(
    desc: NotificationDesc<P>,
    handler: NotificationHandler<MessageShape<P>>,
    options: SubscribeOptions = {},
  ): Unsubscribe {
    const key = routeKey(desc.source, desc.ty);
    const subscription: Subscription = {
      desc,
      id: options.id,
      handler: handler as NotificationHandler<never>,
    };
    let set = this.#subscriptions.get(key);
    if (set === undefined) {
      set = new Set();
      this.#subscriptions.set(key, set);
    }
    set.add(subscription);
    const unsubscribe = (): void => {
      options.signal?.removeEventListener("abort", unsubscribe);
      const current = this.#subscriptions.get(key);
      if (current === undefined) return;
      current.delete(subscription);
      if (current.size === 0) this.#subscriptions.delete(key);
    };
    if (options.signal?.aborted) unsubscribe();
    else options.signal?.addEventListener("abort", unsubscribe, { once: true });
    return unsubscribe;
  }

  /** Stops routing notifications and closes the transport. */
  async close(): Promise<void> {
    this.#stopListening();
    this.#subscriptions.clear();
    await this.#transport.close();
  }

  #route(received: SubscribeObject | Uint8Array): void {
    let n: SubscribeObject;
    if (received instanceof Uint8Array) {
      try {
        n = fromBinary(SubscribeObjectSchema, received);
      } catch (e) {
        this.#malformed({
          reason: "undecodable",
          message: `a notification is not a SubscribeObject: ${String(e)}`,
          cause: e,
        });
        return;
      }
    } else {
      n = received;
    }
    const hasPayload = n.payloadOneof.case === "payload";
    const hasError = n.errorOneof.case === "error";
    if (hasPayload === hasError) {
      this.#malformed({
        reason: hasPayload ? "both" : "neither",
        notification: n,
        message:
          `malformed notification ${n.source}/${n.ty} (id ${JSON.stringify(n.id)}): ` +
          (hasPayload ? "both payload and error are set" : "neither payload nor error is set"),
      });
      return;
    }
    const key = routeKey(n.source, n.ty);
    const set = this.#subscriptions.get(key);
    const subscribed = set === undefined ? [] : [...set];
    const desc = this.#declared.get(key) ?? subscribed[0]?.desc;
    const meta: NotificationMeta = { source: n.source, ty: n.ty, id: n.id, seq: n.seq };
    // The content is judged before routing, whether or not a listener matches (REQ-NOTIF-2,
    // REQ-NOTIF-16). A payload of a kind the client does not know is not judged (REQ-NOTIF-11).
    if (desc === undefined && hasPayload) return;
    const notification = this.#decodeNotification(n, desc, meta);
    if (notification === undefined) return;
    const targets = subscribed.filter((s) => s.id === undefined || s.id === n.id);
    for (const s of targets) {
      try {
        s.handler(notification as Notification<never>);
      } catch (e) {
        this.#warn(`a handler of ${n.source}/${n.ty} (${s.desc.name}) threw`, e);
      }
    }
  }

  #decodeNotification(
    n: SubscribeObject,
    desc: NotificationDesc | undefined,
    meta: NotificationMeta,
  ): Notification<unknown> | undefined {
    const kind = desc === undefined ? "" : ` (${desc.name})`;
    if (n.payloadOneof.case === "payload" && desc !== undefined) {
      try {
        return { ok: true, value: fromBinary(desc.payload, n.payloadOneof.value), ...meta };
      } catch (e) {
        this.#malformed({
          reason: "payload",
          notification: n,
          message: `malformed notification ${n.source}/${n.ty}${kind}: its payload is not a ${desc.payload.typeName}`,
          cause: e,
        });
        return undefined;
      }
    }
    if (n.errorOneof.case === "error") {
      try {
        return {
          ok: false,
          error: fromBinary(FlowyErrorSchema, n.errorOneof.value),
          origin: "backend",
          ...meta,
        };
      } catch (e) {
        this.#malformed({
          reason: "error",
          notification: n,
          message: `malformed notification ${n.source}/${n.ty}${kind}: its error is not a FlowyError`,
          cause: e,
        });
      }
    }
    return undefined;
  }
}

/** Shorthand for `new Client(transport, options)`. */
export function createClient(transport: Transport, options?: ClientOptions): Client {
  return new Client(transport, options);
}

function routeKey(source: string, ty: number): string {
  // A NUL cannot end a source name written in a table, so keys of different sources never meet.
  return `${source}\u0000${ty}`;
}

function isValidTimeout(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 1 && ms <= MAX_TIMEOUT_MS;
}

function encodeInput(schema: DescMessage | undefined, input: unknown): Uint8Array {
  if (schema === undefined) return new Uint8Array(0);
  // `create` returns a message of this type unchanged and builds one from an init object.
  const message = create(schema, input as Parameters<typeof create>[1]);
  return toCanonicalBinary(schema, message);
}

/**
 * What a call of `event` resolves with, given the backend's answer (SPEC.md section 4.2):
 * - status 0: the output, decoded; an event without output accepts any encoding of an empty
 *   message. An output that does not decode is `PROTOBUF_SERDE` (REQ-ENV-9).
 * - any other status (1, the reserved 2, numbers this client does not know): the FlowyError of
 *   the payload, unchanged; a payload that is not a FlowyError is `INTERNAL` (REQ-ENV-8).
 */
export function interpretResponse<O extends DescMessage | undefined>(
  event: EventDesc<DescMessage | undefined, O, number>,
  response: WireResponse,
): Result<EventOutput<O>> {
  if (response.code === 0) {
    const schema = event.output ?? EmptySchema;
    let output;
    try {
      output = fromBinary(schema, response.payload);
    } catch (e) {
      return clientFailure(
        ErrorCode.PROTOBUF_SERDE,
        `the output of ${event.name} does not decode as ${schema.typeName}: ${String(e)}`,
      );
    }
    return success((event.output === undefined ? undefined : output) as EventOutput<O>);
  }
  let error: FlowyError;
  try {
    error = fromBinary(FlowyErrorSchema, response.payload);
  } catch (e) {
    return clientFailure(
      ErrorCode.INTERNAL,
      `the error answer of ${event.name} (status ${response.code}) is not a FlowyError: ${String(e)}`,
    );
  }
  return failure(error, "backend");
}

function clientFailure(code: ErrorCode, msg: string): Failure {
  return failure(flowyError(code, msg), "client");
}

function transportFailure(e: unknown): Failure {
  if (e instanceof TransportError) return failure(e.error, "transport");
  return failure(flowyError(ErrorCode.INTERNAL, `transport failed: ${String(e)}`), "transport");
}

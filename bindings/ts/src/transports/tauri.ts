// The Tauri transport (SPEC.md section 13.5), for pages served by a Tauri 2 app with
// `tauri-plugin-eventwire`.
//
// `"raw"` (the default): one session per transport. `connect` hands the plugin a `Channel`, which
// carries the session's notifications in order. Each request is an encoded
// `StreamFrame{request{id, request, timeout_ms}}` sent as the raw body of `plugin:eventwire|send`,
// whose answer is the request's response (one round trip, like a bare `invoke`), preceded by
// `after`: how many channel messages came before it. The call completes only once those have been
// dispatched, so notifications still precede the response of the handler that emitted them.
// Aborting a call sends a `cancel` frame, so the handler is stopped in the core; a deadline
// travels as `timeout_ms`. No JSON at all. `handshake()` sends a `StreamFrame{handshake}` the
// same way; the plugin answers with its own (SPEC.md section 16.5).
//
// `"json"`: the AppFlowy-compatible command `invoke_request` (`{request: {ty, payload:
// number[]}}` answering `{code, payload: number[]}`, SPEC.md section 13.4). No session: no
// cancellation in the core, and notifications only through `listen` (unordered with answers).
//
// The Tauri functions come from the caller (`import { invoke, Channel } from
// "@tauri-apps/api/core"`), so this package does not depend on Tauri.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { decodeResponse, encodeRequest } from "../envelope.js";
import { flowyError, TransportError } from "../errors.js";
import { ErrorCode, FlowyErrorSchema } from "../gen/eventwire/v1/errors_pb.js";
import {
  type StreamFrame,
  StreamFrameSchema,
  type StreamHandshake,
} from "../gen/eventwire/v1/stream_pb.js";
import { compareHandshakes, type HandshakeOutcome } from "../handshake.js";
import type {
  Transport,
  TransportCallOptions,
  TransportListener,
  WireRequest,
  WireResponse,
} from "../transport.js";

/** The arguments `invoke` takes: named arguments, or a raw body. */
export type InvokeArgs = Record<string, unknown> | number[] | ArrayBuffer | Uint8Array;

/** `invoke` from `@tauri-apps/api/core`, or anything with its signature. */
export type InvokeFn = (
  command: string,
  args?: InvokeArgs,
  options?: { headers: Record<string, string> },
) => Promise<unknown>;

/** `listen` from `@tauri-apps/api/event`, or anything with its signature. */
export type ListenFn = (
  event: string,
  handler: (event: { payload: unknown }) => void,
) => Promise<() => void>;

/** What this transport needs of `Channel` from `@tauri-apps/api/core`. */
export interface ChannelLike {
  onmessage: (message: unknown) => void;
}

/** `Channel` from `@tauri-apps/api/core`. */
export type ChannelConstructor = new () => ChannelLike;

export interface TauriTransportOptions {
  readonly invoke: InvokeFn;
  /** `Channel` from `@tauri-apps/api/core`; required in raw mode. */
  readonly Channel?: ChannelConstructor;
  /** Default `"raw"`. */
  readonly mode?: "raw" | "json";
  /** The plugin's name. Default `"eventwire"` (commands `plugin:eventwire|connect` ...). */
  readonly plugin?: string;
  /** JSON mode: the command. Default `"invoke_request"` (an app's own command; the plugin's is `plugin:eventwire|invoke_request`). */
  readonly command?: string;
  /** JSON mode: needed to receive notifications; without it the transport delivers none. */
  readonly listen?: ListenFn;
  /**
   * JSON mode: the Tauri event carrying notifications, each an encoded SubscribeObject (as
   * `number[]`, `Uint8Array` or `ArrayBuffer`). Default `"eventwire://notification"`.
   */
  readonly notificationEvent?: string;
}

/** The header of `send` that names the session. */
export const SESSION_HEADER = "eventwire-session";

interface Pending {
  readonly resolve: (response: WireResponse) => void;
  readonly reject: (error: unknown) => void;
}

interface Session {
  readonly id: number;
  readonly channel: ChannelLike;
}

export class TauriTransport implements Transport {
  readonly #options: TauriTransportOptions;
  readonly #listeners = new Set<TransportListener>();
  readonly #pending = new Map<bigint, Pending>();
  #session: Promise<Session> | undefined;
  #nextId = 0n;
  /** Channel messages dispatched so far. */
  #delivered = 0n;
  /** Answers waiting for the channel to catch up with their `after`. */
  #held: Array<{ after: bigint; id: bigint; response: WireResponse }> = [];
  #closed = false;
  #unlisten: Promise<(() => void) | undefined> | undefined;
  /** The handshake's outcome, once asked for; calls wait until it is settled. */
  #handshake: Promise<HandshakeOutcome> | undefined;
  #handshakeSettled = false;
  #outcome: HandshakeOutcome | undefined;
  #missing = new Set<string>();

  constructor(options: TauriTransportOptions) {
    if ((options.mode ?? "raw") === "raw" && options.Channel === undefined) {
      throw new TypeError(
        'TauriTransport: raw mode needs `Channel` (import { Channel } from "@tauri-apps/api/core")',
      );
    }
    this.#options = options;
  }

  get mode(): "raw" | "json" {
    return this.#options.mode ?? "raw";
  }

  /** Opens the session now instead of at the first call or listener (raw mode). */
  async connect(): Promise<void> {
    if (this.mode === "raw") await this.#connect();
  }

  /**
   * Sends the handshake (SPEC.md section 16.5) through `send` and resolves with the outcome. Calls
   * made meanwhile wait for it; after a compatible outcome, calls to the events the plugin lacks
   * fail at once with `UNKNOWN_EVENT`, sending nothing (REQ-VER-17). A plugin built before the
   * handshake refuses the frame with a fault with id 0: `no-handshake`, and calls go on as before.
   * An incompatible outcome refuses nothing (REQ-VER-18): show its `message`. When `send` itself
   * fails (the command is not permitted, the answer is unreadable) the promise rejects and calls
   * go on as without a handshake. Raw mode only: the JSON bridge carries no frames.
   */
  handshake(own: StreamHandshake): Promise<HandshakeOutcome> {
    if (this.mode !== "raw") {
      return Promise.reject(
        new TypeError(
          "TauriTransport: the handshake needs raw mode; the JSON bridge (invoke_request) carries no frames",
        ),
      );
    }
    if (this.#handshake !== undefined) return this.#handshake;
    if (this.#closed) return Promise.reject(closedError());
    const frame = toBinary(
      StreamFrameSchema,
      create(StreamFrameSchema, { kind: { case: "handshake", value: own } }),
    );
    const done = this.#options.invoke(this.#command("send"), frame).then(
      (reply) => handshakeAnswer(own, reply),
      (e: unknown) => {
        throw TransportError.internal(`handshake: send failed: ${describe(e)}`, e);
      },
    );
    this.#handshake = done;
    done.then(
      (outcome) => {
        this.#outcome = outcome;
        if (outcome.kind === "compatible") this.#missing = new Set(outcome.missing);
        this.#handshakeSettled = true;
      },
      () => {
        this.#handshakeSettled = true;
      },
    );
    return done;
  }

  /** The handshake's outcome, once known. */
  get handshakeOutcome(): HandshakeOutcome | undefined {
    return this.#outcome;
  }

  call(request: WireRequest, options: TransportCallOptions): Promise<WireResponse> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#handshake !== undefined && !this.#handshakeSettled) {
      const again = (): Promise<WireResponse> => this.call(request, options);
      return this.#handshake.then(again, again);
    }
    if (this.#missing.has(request.event)) {
      return Promise.reject(
        new TransportError(
          flowyError(
            ErrorCode.UNKNOWN_EVENT,
            `${request.event}: the backend lacks this event (handshake: compatible); not sent`,
          ),
        ),
      );
    }
    return this.mode === "raw" ? this.#callRaw(request, options) : this.#callJson(request);
  }

  listen(listener: TransportListener): () => void {
    this.#listeners.add(listener);
    if (this.mode === "raw") {
      // Notifications come on the session's channel: open it now, so none is missed.
      this.#connect().catch(() => {});
    } else {
      this.#startListening();
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.values()) p.reject(closedError());
    this.#pending.clear();
    this.#held = [];
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) {
      try {
        const { id } = await session;
        await this.#options.invoke(this.#command("disconnect"), { session: id });
      } catch {
        // A session that never opened, or a plugin gone with its app: nothing to end.
      }
    }
    const unlisten = await this.#unlisten;
    this.#unlisten = undefined;
    unlisten?.();
  }

  #command(name: string): string {
    return `plugin:${this.#options.plugin ?? "eventwire"}|${name}`;
  }

  #connect(): Promise<Session> {
    if (this.#session === undefined) {
      const Channel = this.#options.Channel!;
      const channel = new Channel();
      channel.onmessage = (message) => this.#receive(message);
      this.#session = this.#options
        .invoke(this.#command("connect"), { channel })
        .then((reply) => {
          const id = (reply as { session?: unknown } | null)?.session;
          if (typeof id !== "number" || !Number.isSafeInteger(id)) {
            throw TransportError.internal(
              `connect: malformed answer from the plugin: ${describe(reply)}`,
            );
          }
          return { id, channel };
        })
        .catch((e: unknown) => {
          this.#session = undefined;
          throw e instanceof TransportError
            ? e
            : TransportError.internal(`connect failed: ${describe(e)}`, e);
        });
    }
    return this.#session;
  }

  async #callRaw(request: WireRequest, options: TransportCallOptions): Promise<WireResponse> {
    const session = await this.#connect();
    if (options.signal.aborted) throw TransportError.internal("cancelled before it was sent");
    // Unique within the session: the plugin refuses an id it has taken (SPEC.md REQ-TRANS-TAURI-4).
    const id = ++this.#nextId;
    const timeoutMs =
      options.timeoutMs !== undefined && options.timeoutMs <= 0xffffffff ? options.timeoutMs : 0;
    const frame = toBinary(
      StreamFrameSchema,
      create(StreamFrameSchema, {
        kind: { case: "request", value: { id, request: encodeRequest(request), timeoutMs } },
      }),
    );
    const answer = new Promise<WireResponse>((resolve, reject) =>
      this.#pending.set(id, { resolve, reject }),
    );
    const onAbort = (): void => {
      // The handler is stopped in the core; its CANCELLED answer is dropped with the promise.
      this.#sendFrame(
        session,
        create(StreamFrameSchema, { kind: { case: "cancel", value: { id } } }),
      ).catch(() => {});
    };
    options.signal.addEventListener("abort", onAbort, { once: true });
    const done = (): void => options.signal.removeEventListener("abort", onAbort);
    answer.then(done, done);
    this.#options
      .invoke(this.#command("send"), frame, { headers: { [SESSION_HEADER]: String(session.id) } })
      .then(
        (reply) => this.#answer(id, reply),
        (e: unknown) =>
          this.#settle(id, undefined, TransportError.internal(`send failed: ${describe(e)}`, e)),
      );
    return answer;
  }

  async #sendFrame(session: Session, frame: StreamFrame): Promise<void> {
    await this.#options.invoke(this.#command("send"), toBinary(StreamFrameSchema, frame), {
      headers: { [SESSION_HEADER]: String(session.id) },
    });
  }

  /** `send`'s answer to request `id`: `after` (u64 LE), then its response or a fault. */
  #answer(id: bigint, reply: unknown): void {
    const bytes = asBytes(reply);
    if (bytes === undefined || bytes.length < 8) {
      this.#settle(
        id,
        undefined,
        TransportError.internal(`send: malformed answer from the plugin: ${describe(reply)}`),
      );
      return;
    }
    const after = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    let frame: StreamFrame;
    try {
      frame = fromBinary(StreamFrameSchema, bytes.subarray(8));
    } catch (e) {
      this.#settle(
        id,
        undefined,
        TransportError.internal("send: the plugin's answer is not a StreamFrame", e),
      );
      return;
    }
    let response: WireResponse;
    switch (frame.kind.case) {
      case "response":
        try {
          response = decodeResponse(frame.kind.value.response);
        } catch (e) {
          this.#settle(id, undefined, e);
          return;
        }
        break;
      case "fault":
        // Refused, not run: completed with the fault's FlowyError.
        response = { code: 1, payload: frame.kind.value.error };
        break;
      default:
        this.#settle(
          id,
          undefined,
          TransportError.internal(
            `send: the plugin answered a ${frame.kind.case ?? "kindless"} frame`,
          ),
        );
        return;
    }
    // Not before the notifications the backend sent ahead of it (REQ-TRANS-TAURI-7).
    if (this.#delivered >= after) this.#settle(id, response);
    else this.#held.push({ after, id, response });
  }

  #settle(id: bigint, response: WireResponse | undefined, error?: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (response !== undefined) pending.resolve(response);
    else pending.reject(error);
  }

  #receive(message: unknown): void {
    this.#dispatch(message);
    this.#delivered++;
    if (this.#held.length === 0) return;
    const ready = this.#held.filter((h) => h.after <= this.#delivered);
    this.#held = this.#held.filter((h) => h.after > this.#delivered);
    for (const h of ready) this.#settle(h.id, h.response);
  }

  #dispatch(message: unknown): void {
    const bytes = asBytes(message);
    if (bytes === undefined) {
      this.#warn(`a channel message is not bytes (${describe(message)}); skipped`);
      return;
    }
    let frame: StreamFrame;
    try {
      frame = fromBinary(StreamFrameSchema, bytes);
    } catch (e) {
      this.#warn(`a channel message is not a StreamFrame: ${describe(e)}`);
      return;
    }
    switch (frame.kind.case) {
      case "notification":
        for (const l of [...this.#listeners]) l.onNotification(frame.kind.value);
        return;
      case "response": {
        // A response no `send` waited for comes on the channel, in its place.
        const { id, response } = frame.kind.value;
        let decoded: WireResponse;
        try {
          decoded = decodeResponse(response);
        } catch (e) {
          this.#settle(id, undefined, e);
          return;
        }
        this.#settle(id, decoded);
        return;
      }
      case "fault":
        this.#warn(`the plugin reported: ${describeFault(frame.kind.value.error)}`);
        return;
      default:
        // A frame kind this client does not know (REQ-VER-5).
        return;
    }
  }

  async #callJson(request: WireRequest): Promise<WireResponse> {
    // No session: the client stops waiting on cancel, and the late answer is dropped.
    let reply: unknown;
    try {
      reply = await this.#options.invoke(this.#options.command ?? "invoke_request", {
        request: { ty: request.event, payload: Array.from(request.payload) },
      });
    } catch (e) {
      throw TransportError.internal(`invoke failed: ${describe(e)}`, e);
    }
    return parseJsonReply(reply);
  }

  #startListening(): void {
    const listen = this.#options.listen;
    if (listen === undefined || this.#unlisten !== undefined) return;
    const event = this.#options.notificationEvent ?? "eventwire://notification";
    this.#unlisten = listen(event, ({ payload }) => this.#deliver(payload)).catch((e: unknown) => {
      this.#warn(`listening to ${event} failed: ${describe(e)}`);
      return undefined;
    });
  }

  #deliver(payload: unknown): void {
    const bytes = asBytes(payload);
    if (bytes === undefined) {
      this.#warn("a notification is not a byte array; skipped");
      return;
    }
    // The client decodes it, and reports it as malformed if it is not a SubscribeObject.
    for (const l of [...this.#listeners]) l.onNotification(bytes);
  }

  #warn(message: string): void {
    for (const l of [...this.#listeners]) l.onWarning?.(message);
  }
}

/** `send`'s answer to a handshake: `after` (0), then the plugin's handshake or a fault with id 0. */
function handshakeAnswer(own: StreamHandshake, reply: unknown): HandshakeOutcome {
  const bytes = asBytes(reply);
  if (bytes === undefined || bytes.length < 8) {
    throw TransportError.internal(
      `handshake: malformed answer from the plugin: ${describe(reply)}`,
    );
  }
  let frame: StreamFrame;
  try {
    frame = fromBinary(StreamFrameSchema, bytes.subarray(8));
  } catch (e) {
    throw TransportError.internal("handshake: the plugin's answer is not a StreamFrame", e);
  }
  switch (frame.kind.case) {
    case "handshake":
      return compareHandshakes(own, frame.kind.value);
    case "fault":
      // A plugin without the handshake refuses a frame it does not know (REQ-TRANS-TAURI-2).
      if (frame.kind.value.id === 0n) return { kind: "no-handshake" };
      break;
  }
  throw TransportError.internal(
    `handshake: the plugin answered a ${frame.kind.case ?? "kindless"} frame`,
  );
}

function closedError(): TransportError {
  return TransportError.closed("the Tauri transport is closed");
}

function describeFault(error: Uint8Array): string {
  try {
    const e = fromBinary(FlowyErrorSchema, error);
    return `${e.code}: ${e.msg}`;
  } catch {
    return "(an undecodable error)";
  }
}

/** Checks the JSON bridge's answer: `{code: integer, payload: integers 0..255}`. */
export function parseJsonReply(reply: unknown): WireResponse {
  if (typeof reply !== "object" || reply === null) {
    throw TransportError.internal(
      `malformed answer from the bridge: expected an object, got ${describe(reply)}`,
    );
  }
  const { code, payload } = reply as { code?: unknown; payload?: unknown };
  if (typeof code !== "number" || !Number.isInteger(code)) {
    throw TransportError.internal(
      `malformed answer from the bridge: code is ${describe(code)}, not an integer`,
    );
  }
  const bytes = asBytes(payload);
  if (bytes === undefined) {
    throw TransportError.internal(
      "malformed answer from the bridge: payload is not an array of bytes (integers 0 to 255)",
    );
  }
  return { code, payload: bytes };
}

/** Decodes an encoded FFIResponse given as bytes. */
export function parseRawReply(reply: unknown): WireResponse {
  const bytes = asBytes(reply);
  if (bytes === undefined) {
    throw TransportError.internal(
      `malformed answer from the bridge: expected bytes, got ${describe(reply)}`,
    );
  }
  return decodeResponse(bytes);
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (!Array.isArray(value)) return undefined;
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const b: unknown = value[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) return undefined;
    bytes[i] = b;
  }
  return bytes;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

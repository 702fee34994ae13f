// The Tauri bridge: requests through `invoke`, notifications through `listen`.
//
// The functions come from the caller (`import { invoke } from "@tauri-apps/api/core"`), so this
// package does not depend on Tauri. Two request shapes:
// - `"json"` (default; what existing hosts accept): `invoke("invoke_request", {request: {ty,
//   payload: number[]}})` answering `{code, payload: number[]}`. Costs 3-4 bytes of JSON per
//   payload byte, plus parsing.
// - `"raw"`: `invoke(rawCommand, <FFIRequest bytes>)` answering the FFIResponse bytes (Tauri 2
//   raw request bodies and `tauri::ipc::Response`). No JSON at all; needs host support.

import { decodeResponse, encodeRequest } from "../envelope.js";
import { TransportError } from "../errors.js";
import type { Transport, TransportListener, WireRequest, WireResponse } from "../transport.js";

/** `invoke` from `@tauri-apps/api/core`, or anything with its signature. */
export type InvokeFn = (command: string, args?: unknown) => Promise<unknown>;

/** `listen` from `@tauri-apps/api/event`, or anything with its signature. */
export type ListenFn = (event: string, handler: (event: { payload: unknown }) => void) => Promise<() => void>;

export interface TauriTransportOptions {
  readonly invoke: InvokeFn;
  /** Needed to receive notifications; without it the transport delivers none. */
  readonly listen?: ListenFn;
  /** Default `"json"`. */
  readonly mode?: "json" | "raw";
  /** The JSON command. Default `"invoke_request"`. */
  readonly command?: string;
  /** The raw-bytes command. Default `"invoke_request_raw"`. */
  readonly rawCommand?: string;
  /**
   * The Tauri event carrying notifications, each an encoded SubscribeObject (as `number[]`,
   * `Uint8Array` or `ArrayBuffer`). Default `"eventwire://notification"`.
   */
  readonly notificationEvent?: string;
}

export class TauriTransport implements Transport {
  readonly #options: TauriTransportOptions;
  readonly #listeners = new Set<TransportListener>();
  #unlisten: Promise<(() => void) | undefined> | undefined;

  constructor(options: TauriTransportOptions) {
    this.#options = options;
  }

  async call(request: WireRequest): Promise<WireResponse> {
    // Tauri cannot cancel an invoke or carry a deadline: the client stops waiting, and the late
    // answer is dropped with the promise.
    let reply: unknown;
    try {
      if (this.#options.mode === "raw") {
        const bytes = encodeRequest(request);
        reply = await this.#options.invoke(this.#options.rawCommand ?? "invoke_request_raw", bytes);
      } else {
        reply = await this.#options.invoke(this.#options.command ?? "invoke_request", {
          request: { ty: request.event, payload: Array.from(request.payload) },
        });
      }
    } catch (e) {
      throw TransportError.internal(`invoke failed: ${describe(e)}`, e);
    }
    return this.#options.mode === "raw" ? parseRawReply(reply) : parseJsonReply(reply);
  }

  listen(listener: TransportListener): () => void {
    this.#listeners.add(listener);
    this.#startListening();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    const unlisten = await this.#unlisten;
    this.#unlisten = undefined;
    unlisten?.();
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

/** Checks the JSON bridge's answer: `{code: integer, payload: integers 0..255}`. */
export function parseJsonReply(reply: unknown): WireResponse {
  if (typeof reply !== "object" || reply === null) {
    throw TransportError.internal(`malformed answer from the bridge: expected an object, got ${describe(reply)}`);
  }
  const { code, payload } = reply as { code?: unknown; payload?: unknown };
  if (typeof code !== "number" || !Number.isInteger(code)) {
    throw TransportError.internal(`malformed answer from the bridge: code is ${describe(code)}, not an integer`);
  }
  const bytes = asBytes(payload);
  if (bytes === undefined) {
    throw TransportError.internal("malformed answer from the bridge: payload is not an array of bytes (integers 0 to 255)");
  }
  return { code, payload: bytes };
}

/** Decodes the raw bridge's answer, an encoded FFIResponse. */
export function parseRawReply(reply: unknown): WireResponse {
  const bytes = asBytes(reply);
  if (bytes === undefined) {
    throw TransportError.internal(`malformed answer from the bridge: expected bytes, got ${describe(reply)}`);
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

// An in-memory transport that records every call and lets a test answer it, in any order.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type SubscribeObject,
  SubscribeObjectSchema,
} from "../src/gen/eventwire/v1/notification_pb.js";
import type {
  Transport,
  TransportCallOptions,
  TransportListener,
  WireRequest,
  WireResponse,
} from "../src/transport.js";

export interface RecordedCall {
  readonly request: WireRequest;
  readonly options: TransportCallOptions;
  readonly answer: (response: WireResponse) => void;
  readonly fail: (error: unknown) => void;
}

export class FakeTransport implements Transport {
  readonly calls: RecordedCall[] = [];
  readonly listeners = new Set<TransportListener>();
  closed = false;
  #waiters: Array<() => void> = [];

  call(request: WireRequest, options: TransportCallOptions): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      this.calls.push({ request, options, answer: resolve, fail: reject });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  listen(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Resolves once `n` calls have been made. */
  async waitForCalls(n: number): Promise<RecordedCall[]> {
    while (this.calls.length < n) await new Promise<void>((r) => this.#waiters.push(r));
    return this.calls;
  }

  /** Delivers encoded bytes, as a transport that leaves decoding to the client does. */
  notifyBytes(bytes: Uint8Array): void {
    for (const l of this.listeners) l.onNotification(bytes);
  }

  notify(init: MessageInitShape<typeof SubscribeObjectSchema>): void {
    const n: SubscribeObject = create(SubscribeObjectSchema, init);
    for (const l of this.listeners) l.onNotification(n);
  }
}

/** Collects the client's warnings instead of printing them. */
export function warnings(): { messages: string[]; onWarning: (m: string) => void } {
  const messages: string[] = [];
  return { messages, onWarning: (m) => messages.push(m) };
}

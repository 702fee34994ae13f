// What the client needs from a transport, and nothing more.
//
// A transport moves envelopes: it does not know event names, message types or deadlines beyond
// passing them on. Ids, framing and the host mechanism (Tauri `invoke`, a child process's stdio, a
// test double) are its business; results, timeouts and notification routing are the client's.

import type { SubscribeObject } from "./gen/eventwire/v1/notification_pb.js";

/** One request: the fields of an `FFIRequest`. */
export interface WireRequest {
  readonly event: string;
  /** The encoded input message (empty for an event without input). */
  readonly payload: Uint8Array;
}

/** One answer: the fields of an `FFIResponse`. */
export interface WireResponse {
  /**
   * The `FFIStatusCode` as received, unchecked: 0 is OK, anything else (1, the never-sent 2, or a
   * number this client does not know) is an error whose payload is an encoded FlowyError.
   */
  readonly code: number;
  readonly payload: Uint8Array;
}

export interface TransportCallOptions {
  /**
   * A deadline for this request that the backend should apply, in milliseconds, when the caller
   * gave one. Transports that can carry it (the stream protocol) send it; others ignore it. The
   * client enforces its own deadline regardless.
   */
  readonly timeoutMs?: number;
  /**
   * Aborted when the client stops waiting (caller cancelled, or the deadline passed). A transport
   * that can cancel on the backend (the stream protocol) sends a cancel; every transport drops the
   * late answer.
   */
  readonly signal: AbortSignal;
}

/** What a transport reports to the client, besides answers. */
export interface TransportListener {
  /**
   * A notification: a decoded `SubscribeObject`, or its encoding as received (the client decodes
   * it and reports bytes that are not a `SubscribeObject` as malformed). Not yet validated.
   */
  onNotification(notification: SubscribeObject | Uint8Array): void;
  /** Something arrived that could not be attributed to any call (e.g. a fault frame with id 0). */
  onWarning?(message: string): void;
}

export interface Transport {
  /**
   * Sends one request and resolves with its answer. Rejects with a `TransportError` when the
   * request cannot be delivered or its answer cannot be read; the client turns that into a failed
   * result.
   */
  call(request: WireRequest, options: TransportCallOptions): Promise<WireResponse>;
  /** Starts delivering notifications to `listener`; returns a function that stops it. */
  listen(listener: TransportListener): () => void;
  /** Releases the transport. Calls still in flight get an answer or a transport error. */
  close(): Promise<void>;
}

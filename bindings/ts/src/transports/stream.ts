// The stream transport: StreamFrames over any pair of Node byte streams (a child process's stdio,
// a socket, pipes). Pipelined: every request carries an id, answers arrive in any order,
// notifications are interleaved in emission order.

import type { Readable, Writable } from "node:stream";
import { create, fromBinary } from "@bufbuild/protobuf";
import { toCanonicalBinary } from "../canonical.js";
import { decodeResponse, encodeRequest } from "../envelope.js";
import { flowyError, TransportError } from "../errors.js";
import { ErrorCode, FlowyErrorSchema } from "../gen/eventwire/v1/errors_pb.js";
import { type StreamFrame, StreamFrameSchema } from "../gen/eventwire/v1/stream_pb.js";
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder } from "../framing.js";
import { compareHandshakes, type HandshakeOutcome } from "../handshake.js";
import type { StreamHandshake } from "../gen/eventwire/v1/stream_pb.js";
import type {
  Transport,
  TransportCallOptions,
  TransportListener,
  WireRequest,
  WireResponse,
} from "../transport.js";

export interface StreamTransportOptions {
  /** The largest frame accepted from the backend. Default: the backend's own limit, 16 MiB + 64 KiB. */
  readonly maxFrameBytes?: number;
  /**
   * Whether the end of `readable` fails the calls still waiting. Default true; a transport that
   * learns more about the end elsewhere (a process's exit status) turns it off and calls `fail`.
   */
  readonly failOnEnd?: boolean;
}

interface Pending {
  readonly resolve: (response: WireResponse) => void;
  readonly reject: (error: TransportError) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

export class StreamTransport implements Transport {
  readonly #writable: Writable;
  readonly #decoder: FrameDecoder;
  readonly #pending = new Map<bigint, Pending>();
  readonly #listeners = new Set<TransportListener>();
  #nextId = 1n;
  #failure: TransportError | undefined;
  /** A closing fault: the backend reads no more, but still answers what it has (REQ-TRANS-STREAM-7). */
  #closed: TransportError | undefined;
  /** While the handshake's answer is awaited: calls wait for it (REQ-VER-16). */
  #handshake:
    | {
        readonly own: StreamHandshake;
        readonly done: Promise<HandshakeOutcome>;
        resolve: (o: HandshakeOutcome) => void;
        reject: (e: TransportError) => void;
      }
    | undefined;
  #outcome: HandshakeOutcome | undefined;
  #missing = new Set<string>();

  constructor(readable: Readable, writable: Writable, options: StreamTransportOptions = {}) {
    this.#writable = writable;
    this.#decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    readable.on("data", (chunk: Uint8Array) => this.#receive(chunk));
    readable.on("error", (e) => this.fail(`reading from the backend failed: ${e.message}`, e));
    if (options.failOnEnd ?? true)
      readable.on("end", () => this.fail("the backend closed the stream"));
    writable.on("error", (e) => this.fail(`writing to the backend failed: ${e.message}`, e));
  }

  /**
   * Sends the handshake (SPEC.md section 16.5) as the first frame and resolves with the outcome.
   * Calls made meanwhile wait for the answer; after a compatible outcome, calls to the events the
   * backend lacks fail at once with `UNKNOWN_EVENT`, sending nothing (REQ-VER-17). A backend
   * without the handshake answers with a fault with id 0: `no-handshake`, and calls go on as
   * before. An incompatible outcome refuses nothing (REQ-VER-18): show its `message`.
   */
  handshake(own: StreamHandshake): Promise<HandshakeOutcome> {
    if (this.#handshake !== undefined) return this.#handshake.done;
    let resolve!: (o: HandshakeOutcome) => void;
    let reject!: (e: TransportError) => void;
    const done = new Promise<HandshakeOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#handshake = { own, done, resolve, reject };
    const refused = this.#failure ?? this.#closed;
    if (refused) reject(refused);
    else this.#send(create(StreamFrameSchema, { kind: { case: "handshake", value: own } }));
    return done;
  }

  /** The handshake's outcome, once known. */
  get handshakeOutcome(): HandshakeOutcome | undefined {
    return this.#outcome;
  }

  #settleHandshake(outcome: HandshakeOutcome): void {
    const h = this.#handshake;
    if (h === undefined || this.#outcome !== undefined) return;
    this.#outcome = outcome;
    if (outcome.kind === "compatible") this.#missing = new Set(outcome.missing);
    h.resolve(outcome);
  }

  call(request: WireRequest, options: TransportCallOptions): Promise<WireResponse> {
    if (
      this.#handshake !== undefined &&
      this.#outcome === undefined &&
      this.#failure === undefined
    ) {
      return this.#handshake.done.then(
        () => this.call(request, options),
        () => this.call(request, options),
      );
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
    const refused = this.#failure ?? this.#closed;
    if (refused) return Promise.reject(refused);
    const id = this.#nextId++;
    const ffi = encodeRequest(request);
    const frame = create(StreamFrameSchema, {
      kind: { case: "request", value: { id, request: ffi, timeoutMs: options.timeoutMs ?? 0 } },
    });
    return new Promise<WireResponse>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.#pending.delete(id)) return;
        this.#send(create(StreamFrameSchema, { kind: { case: "cancel", value: { id } } }));
        reject(new TransportError(flowyError(ErrorCode.CANCELLED, `request ${id} was cancelled`)));
      };
      if (options.signal.aborted) {
        reject(new TransportError(flowyError(ErrorCode.CANCELLED, `request ${id} was cancelled`)));
        return;
      }
      this.#pending.set(id, { resolve, reject, signal: options.signal, onAbort });
      options.signal.addEventListener("abort", onAbort, { once: true });
      this.#send(frame);
    });
  }

  listen(listener: TransportListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends the stream towards the backend; calls in flight are still answered. */
  async close(): Promise<void> {
    if (!this.#writable.writableEnded) this.#writable.end();
  }

  /** Number of requests sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Marks the transport closed: every waiting call and every later call fails with
   * `TRANSPORT_CLOSED` and `msg` (REQ-TRANS-STREAM-10). The first failure wins.
   */
  fail(msg: string, cause?: unknown): void {
    this.#failWith(TransportError.closed(msg, cause));
  }

  #failWith(error: TransportError): void {
    if (this.#failure === undefined) this.#failure = error;
    if (this.#handshake !== undefined && this.#outcome === undefined)
      this.#handshake.reject(this.#failure);
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.signal.removeEventListener("abort", p.onAbort);
      p.reject(this.#failure);
    }
  }

  #send(frame: StreamFrame): void {
    if (this.#writable.writableEnded || this.#writable.destroyed) {
      this.fail("the stream to the backend is closed");
      return;
    }
    this.#writable.write(encodeFrame(toCanonicalBinary(StreamFrameSchema, frame)));
  }

  #receive(chunk: Uint8Array): void {
    let bodies: Uint8Array[];
    try {
      bodies = this.#decoder.push(chunk);
    } catch (e) {
      // REQ-TRANS-STREAM-11: past an unreadable length prefix the stream has ended for us.
      this.fail(`unreadable stream from the backend: ${(e as Error).message}`, e);
      return;
    }
    for (const body of bodies) this.#dispatch(body);
  }

  #dispatch(body: Uint8Array): void {
    let frame: StreamFrame;
    try {
      frame = fromBinary(StreamFrameSchema, body);
    } catch (e) {
      this.#warn(`a frame from the backend is not a StreamFrame (${String(e)}); skipped`);
      return;
    }
    switch (frame.kind.case) {
      case "response": {
        const { id, response } = frame.kind.value;
        const p = this.#take(id);
        // No waiting call: it was cancelled or timed out, and this is its late answer.
        if (p === undefined) return;
        try {
          p.resolve(decodeResponse(response));
        } catch (e) {
          p.reject(e as TransportError);
        }
        return;
      }
      case "notification":
        for (const l of [...this.#listeners]) l.onNotification(frame.kind.value);
        return;
      case "fault": {
        const { id, error, closing } = frame.kind.value;
        let fault: TransportError;
        try {
          fault = new TransportError(fromBinary(FlowyErrorSchema, error));
        } catch {
          fault = TransportError.internal(
            `the backend sent a fault for request ${id} with an unreadable error`,
          );
        }
        if (id === 0n && this.#handshake !== undefined && this.#outcome === undefined) {
          // The answer of a backend without the handshake (REQ-VER-16): nothing else was sent.
          this.#settleHandshake({ kind: "no-handshake" });
          if (closing && this.#closed === undefined) this.#closed = fault;
          return;
        }
        const p = id === 0n ? undefined : this.#take(id);
        if (p !== undefined) p.reject(fault);
        else
          this.#warn(
            `the backend reported a fault${id === 0n ? "" : ` for request ${id}`}: ${fault.error.msg}`,
          );
        // The backend stops reading but still answers the requests in flight; later calls get
        // the fault, and whatever is pending when its output ends gets TRANSPORT_CLOSED.
        if (closing && this.#closed === undefined) this.#closed = fault;
        return;
      }
      case "handshake":
        if (this.#handshake !== undefined)
          this.#settleHandshake(compareHandshakes(this.#handshake.own, frame.kind.value));
        return;
      default:
        this.#warn(
          `the backend sent a frame of kind ${String(frame.kind.case)}, which only a front end sends; skipped`,
        );
    }
  }

  #take(id: bigint): Pending | undefined {
    const p = this.#pending.get(id);
    if (p === undefined) return undefined;
    this.#pending.delete(id);
    p.signal.removeEventListener("abort", p.onAbort);
    return p;
  }

  #warn(message: string): void {
    for (const l of [...this.#listeners]) l.onWarning?.(message);
  }
}

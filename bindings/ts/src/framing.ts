// Length-prefixed framing of the stream protocol: a 4-byte little-endian length, then that many
// bytes of one encoded StreamFrame (schema/proto/eventwire/v1/stream.proto).

/** The backend's default limit: max_payload_bytes (16 MiB) + 64 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024 + 64 * 1024;

/** Prefixes `body` with its length. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, true);
  frame.set(body, 4);
  return frame;
}

/** The decoder found a length prefix above its limit: the stream cannot be resynchronised. */
export class FrameTooLargeError extends Error {
  constructor(
    readonly length: number,
    readonly max: number,
  ) {
    super(`frame of ${length} bytes exceeds the limit of ${max} bytes`);
    this.name = "FrameTooLargeError";
  }
}

/**
 * Splits a byte stream, delivered in arbitrary chunks, into frame bodies. After it throws
 * `FrameTooLargeError` it stays failed: bytes past an unreadable prefix mean nothing.
 */
export class FrameDecoder {
  readonly #max: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #failed: FrameTooLargeError | undefined;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.#max = maxFrameBytes;
  }

  /** Adds `chunk` and returns every frame body it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw this.#failed;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.#buffered < 4) break;
      const length = new DataView(this.#peek(4).buffer).getUint32(0, true);
      if (length > this.#max) {
        this.#failed = new FrameTooLargeError(length, this.#max);
        throw this.#failed;
      }
      if (this.#buffered < 4 + length) break;
      this.#take(4);
      frames.push(this.#take(length));
    }
    return frames;
  }

  /** Bytes received that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.#buffered;
  }

  #peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    for (const c of this.#chunks) {
      const part = c.subarray(0, n - filled);
      out.set(part, filled);
      filled += part.length;
      if (filled === n) break;
    }
    return out;
  }

  #take(n: number): Uint8Array {
    const out = this.#peek(n);
    let left = n;
    while (left > 0) {
      const head = this.#chunks[0]!;
      if (head.length <= left) {
        this.#chunks.shift();
        left -= head.length;
      } else {
        this.#chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= n;
    return out;
  }
}

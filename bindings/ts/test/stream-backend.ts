// The backend's side of an in-memory stream, shared by the stream-transport tests: it decodes the
// front end's frames as they arrive and lets a test wait for them. Each test adds its own way of
// answering.

import { PassThrough } from "node:stream";
import { fromBinary } from "@bufbuild/protobuf";
import { type StreamFrame, StreamFrameSchema } from "@eventwire/client";
import { FrameDecoder } from "@eventwire/client/node";

export class StreamBackend {
  readonly toClient = new PassThrough();
  readonly fromClient = new PassThrough();
  readonly frames: StreamFrame[] = [];
  readonly #decoder = new FrameDecoder();
  #waiters: Array<() => void> = [];

  constructor() {
    this.fromClient.on("data", (chunk: Uint8Array) => {
      for (const body of this.#decoder.push(chunk))
        this.frames.push(fromBinary(StreamFrameSchema, body));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** The frames received so far, once there are at least `n`. */
  async waitForFrames(n: number): Promise<StreamFrame[]> {
    while (this.frames.length < n) await new Promise<void>((r) => this.#waiters.push(r));
    return this.frames;
  }
}

// The Tauri transport's handshake (SPEC.md sections 13.5 and 16.5) against a fake `invoke` that
// answers as tauri-plugin-eventwire's `send` does (reference-impl/tauri/src/state.rs): a
// `handshake` frame, with or without a session, is answered at once with `after` 0 (eight zero
// bytes) and the backend's `StreamFrame{handshake}`; a plugin built before the handshake refuses
// the frame with `after` 0 and a fault with id 0 (INVALID_REQUEST).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { parse } from "yaml";
import {
  Client,
  ErrorCategory,
  ErrorCode,
  FFIRequestSchema,
  FFIResponseSchema,
  flowyError,
  FlowyErrorSchema,
  type HandshakeModule,
  schemaHandshake,
  type StreamFrame,
  StreamFrameSchema,
  type StreamHandshake,
  StreamHandshakeSchema,
  TauriTransport,
} from "@eventwire/client";
import { conformance, document, user } from "../conformance/gen/events/index.js";
import { PongPBSchema } from "../conformance/gen/eventwire/v1/conformance_pb.js";

const modules: HandshakeModule[] = [
  { name: "conformance", events: conformance.events, notifications: conformance.notifications },
  { name: "document", events: document.events, notifications: document.notifications },
  { name: "user", events: user.events, notifications: user.notifications },
];

/** `after` (u64 little-endian) and a frame: the body of `send`'s answer. */
function answer(after: number, frame: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(8 + frame.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(after), true);
  out.set(frame, 8);
  return out.buffer;
}

const frameOf = (f: Parameters<typeof create<typeof StreamFrameSchema>>[1]): Uint8Array =>
  toBinary(StreamFrameSchema, create(StreamFrameSchema, f));

/** A fake plugin: `send` answers handshakes as `backend` says, and requests for Ping and Sleep. */
class FakePlugin {
  readonly sent: { cmd: string; frame?: StreamFrame; headers?: Record<string, string> }[] = [];
  /** The plugin's answer to a handshake frame: its own handshake, or (a version-1 plugin) a fault. */
  backend: StreamHandshake | "no-handshake" | "garbage" = "no-handshake";
  /** A promise the handshake's answer waits for, so that calls can be made before it. */
  hold: Promise<void> = Promise.resolve();
  readonly invoke = async (
    cmd: string,
    args?: unknown,
    options?: { headers: Record<string, string> },
  ): Promise<unknown> => {
    if (cmd === "plugin:eventwire|connect") {
      this.sent.push({ cmd });
      return { session: 3 };
    }
    if (cmd === "plugin:eventwire|disconnect") return true;
    assert.equal(cmd, "plugin:eventwire|send");
    assert.ok(args instanceof Uint8Array, "a raw body");
    const frame = fromBinary(StreamFrameSchema, args);
    this.sent.push({ cmd, frame, ...(options === undefined ? {} : { headers: options.headers }) });
    switch (frame.kind.case) {
      case "handshake": {
        await this.hold;
        if (this.backend === "garbage") return new Uint8Array([1, 2, 3]);
        if (this.backend === "no-handshake") {
          const error = toBinary(
            FlowyErrorSchema,
            flowyError(
              ErrorCode.INVALID_REQUEST,
              "send: a page sends only request and cancel frames",
            ),
          );
          return answer(
            0,
            frameOf({ kind: { case: "fault", value: { id: 0n, error, closing: false } } }),
          );
        }
        return answer(0, frameOf({ kind: { case: "handshake", value: this.backend } }));
      }
      case "request": {
        const { id, request } = frame.kind.value;
        const event = fromBinary(FFIRequestSchema, request).event;
        const payload =
          event === "Ping"
            ? toBinary(PongPBSchema, create(PongPBSchema, { message: "pong" }))
            : new Uint8Array();
        return answer(
          0,
          frameOf({
            kind: {
              case: "response",
              value: {
                id,
                response: toBinary(FFIResponseSchema, create(FFIResponseSchema, { payload })),
              },
            },
          }),
        );
      }
      default:
        return new ArrayBuffer(0);
    }
  };

  requests(): string[] {
    return this.sent.flatMap((s) =>
      s.frame?.kind.case === "request"
        ? [fromBinary(FFIRequestSchema, s.frame.kind.value.request).event]
        : [],
    );
  }
}

class FakeChannel {
  onmessage: (message: unknown) => void = () => {};
}

function setup(plugin: FakePlugin) {
  const transport = new TauriTransport({ invoke: plugin.invoke, Channel: FakeChannel });
  const client = new Client(transport, { onWarning: () => {} });
  return { transport, client };
}

function edited(h: StreamHandshake, edit: (h: StreamHandshake) => void): StreamHandshake {
  const copy = fromBinary(StreamHandshakeSchema, toBinary(StreamHandshakeSchema, h));
  edit(copy);
  return copy;
}

describe("Tauri transport: the handshake through send", () => {
  it("sends a StreamFrame{handshake} announcing the front end's schema, and reads an identical answer", async () => {
    const plugin = new FakePlugin();
    const own = await schemaHandshake(modules);
    plugin.backend = own;
    const { transport, client } = setup(plugin);
    assert.deepEqual(await transport.handshake(own), { kind: "identical" });
    const sent = plugin.sent.find((s) => s.frame?.kind.case === "handshake");
    assert.ok(sent, "a handshake frame went through send");
    assert.deepEqual(sent.frame!.kind.value, own);
    const r = await conformance.ping(client);
    assert.ok(r.ok);
    assert.equal(r.value.message, "pong");
    assert.deepEqual(transport.handshakeOutcome, { kind: "identical" });
  });

  it("reads the plugin's answer bytes for a schema of Ping alone (vector enc-0134 after `after` 0) as identical", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const vectors = parse(
      readFileSync(join(here, "..", "..", "..", "vectors", "envelope.yaml"), "utf8"),
    ) as { cases: { id: string; hex: string }[] };
    const hex = vectors.cases.find((c) => c.id === "enc-0134")!.hex;
    const frame = Uint8Array.from(hex.split(" ").map((b) => parseInt(b, 16)));
    const invoke = async (cmd: string): Promise<unknown> => {
      assert.equal(cmd, "plugin:eventwire|send");
      return answer(0, frame);
    };
    const transport = new TauriTransport({ invoke, Channel: FakeChannel });
    const own = await schemaHandshake([
      { name: "conformance", events: [conformance.PingEvent], notifications: [] },
    ]);
    assert.deepEqual(await transport.handshake(own), { kind: "identical" });
  });

  it("compatible: calls made before the answer wait for it; a missing event then fails locally with UNKNOWN_EVENT, sending nothing", async () => {
    const plugin = new FakePlugin();
    const own = await schemaHandshake(modules);
    plugin.backend = edited(own, (b) =>
      b.modules.forEach((m) => (m.events = m.events.filter((e) => e.name !== "Ping"))),
    );
    let release!: () => void;
    plugin.hold = new Promise((r) => (release = r));
    const { transport, client } = setup(plugin);
    const outcome = transport.handshake(own);
    const early = conformance.ping(client);
    const sleep = conformance.sleep(client, { millis: 1 });
    release();
    assert.deepEqual(await outcome, { kind: "compatible", missing: ["Ping"] });
    const p = await early;
    assert.equal(p.ok, false);
    if (!p.ok) {
      assert.equal(p.error.code, ErrorCode.UNKNOWN_EVENT);
      assert.equal(p.error.category, ErrorCategory.UNIMPLEMENTED);
      assert.match(p.error.msg, /Ping: the backend lacks this event/);
    }
    assert.ok((await sleep).ok);
    assert.deepEqual(plugin.requests(), ["Sleep"], "the call to Ping never reached send");
  });

  it("incompatible: names the first differing event and both fingerprints; calls still go through", async () => {
    const plugin = new FakePlugin();
    const own = await schemaHandshake(modules);
    plugin.backend = edited(own, (b) =>
      b.modules.forEach((m) =>
        m.events.forEach((e) => e.name === "Ping" && (e.fingerprint = new Uint8Array(32))),
      ),
    );
    const { transport, client } = setup(plugin);
    const o = await transport.handshake(own);
    assert.equal(o.kind, "incompatible");
    if (o.kind === "incompatible") {
      assert.equal(o.event, "Ping");
      assert.ok(o.message.includes("0".repeat(64)), o.message);
    }
    assert.ok((await conformance.ping(client)).ok);
    assert.deepEqual(plugin.requests(), ["Ping"]);
  });

  it("a plugin without the handshake refuses the frame with a fault with id 0: no-handshake, and calls go through", async () => {
    const plugin = new FakePlugin();
    plugin.backend = "no-handshake";
    const { transport, client } = setup(plugin);
    const own = await schemaHandshake(modules);
    assert.deepEqual(await transport.handshake(own), { kind: "no-handshake" });
    assert.ok((await conformance.ping(client)).ok);
  });

  it("an unreadable answer rejects the handshake with a typed error, and calls go on as without one", async () => {
    const plugin = new FakePlugin();
    plugin.backend = "garbage";
    const { transport, client } = setup(plugin);
    const own = await schemaHandshake(modules);
    const early = conformance.ping(client);
    await assert.rejects(
      transport.handshake(own),
      (e: { error: { code: number } }) => e.error.code === ErrorCode.INTERNAL,
    );
    assert.ok((await early).ok, "the call waited for the handshake, then went through");
    assert.equal(transport.handshakeOutcome, undefined);
  });

  it("JSON mode has no handshake: a TypeError, nothing sent", async () => {
    const plugin = new FakePlugin();
    const transport = new TauriTransport({ invoke: plugin.invoke, mode: "json" });
    const own = await schemaHandshake(modules);
    await assert.rejects(transport.handshake(own), TypeError);
    assert.equal(plugin.sent.length, 0);
  });
});

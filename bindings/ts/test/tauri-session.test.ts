// The Tauri transport's raw mode (SPEC.md section 13.5) against `mockIPC` from
// @tauri-apps/api/mocks and the real `Channel` of @tauri-apps/api/core: a small fake of
// tauri-plugin-eventwire answers on the session's channel, as the plugin does.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";

(globalThis as { window?: unknown }).window = globalThis;
const { Channel, invoke } = await import("@tauri-apps/api/core");
const { clearMocks, mockIPC } = await import("@tauri-apps/api/mocks");

import {
  Client,
  ErrorCode,
  FFIRequestSchema,
  FFIResponseSchema,
  flowyError,
  FlowyErrorSchema,
  type StreamFrame,
  StreamFrameSchema,
  SubscribeObjectSchema,
  TauriTransport,
} from "@eventwire/client";
import { conformance } from "../conformance/gen/events/index.js";
import {
  AllTypesPBSchema,
  PongPBSchema,
  TickPBSchema,
} from "../conformance/gen/eventwire/v1/conformance_pb.js";

interface Sent {
  cmd: string;
  frame?: StreamFrame;
  args: unknown;
}

/** A fake plugin: one session; answers each request in its `send`, notifications on the channel. */
class FakePlugin {
  readonly sent: Sent[] = [];
  channel: { id: number } | undefined;
  /** Channel messages are numbered as Tauri numbers them. */
  index = 0;
  /** Deliver channel messages only after the `send` answer that follows them (and in pairs, swapped). */
  late = false;
  #later: Array<{ index: number; bytes: Uint8Array }> = [];
  /** Requests waiting for a cancel, by id, with how to answer them. */
  readonly sleeping = new Map<bigint, (answer: ArrayBuffer) => void>();
  refuse: ((frame: StreamFrame) => Uint8Array | undefined) | undefined;

  constructor() {
    mockIPC((cmd, args) => this.#handle(cmd, args));
  }

  notify(n: ReturnType<typeof create<typeof SubscribeObjectSchema>>): void {
    const bytes = toBinary(
      StreamFrameSchema,
      create(StreamFrameSchema, { kind: { case: "notification", value: n } }),
    );
    const index = this.index++;
    if (this.late) this.#later.push({ index, bytes });
    else this.deliver(index, bytes);
  }

  /** Delivers what `late` held back, last first (the real Channel puts it back in order). */
  flush(): void {
    const later = this.#later.reverse();
    this.#later = [];
    for (const m of later) this.deliver(m.index, m.bytes);
  }

  deliver(index: number, message: Uint8Array | string): void {
    const internals = (
      globalThis as unknown as {
        __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void };
      }
    ).__TAURI_INTERNALS__;
    const body =
      typeof message === "string"
        ? message
        : message.buffer.slice(message.byteOffset, message.byteOffset + message.length);
    internals.runCallback(this.channel!.id, { message: body, index });
  }

  answer(id: bigint, code: number, payload: Uint8Array): ArrayBuffer {
    const response = toBinary(FFIResponseSchema, create(FFIResponseSchema, { code, payload }));
    const frame = toBinary(
      StreamFrameSchema,
      create(StreamFrameSchema, { kind: { case: "response", value: { id, response } } }),
    );
    const out = new Uint8Array(8 + frame.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(this.index), true);
    out.set(frame, 8);
    if (this.late) setImmediate(() => this.flush());
    return out.buffer;
  }

  #handle(cmd: string, args: unknown): unknown {
    if (cmd === "plugin:eventwire|connect") {
      this.channel = (args as { channel: { id: number } }).channel;
      this.index = 0;
      this.sent.push({ cmd, args });
      return { session: 7, maxPayloadBytes: 16 << 20 };
    }
    if (cmd === "plugin:eventwire|disconnect") {
      this.sent.push({ cmd, args });
      return true;
    }
    assert.equal(cmd, "plugin:eventwire|send");
    assert.ok(args instanceof Uint8Array, "a raw body");
    const frame = fromBinary(StreamFrameSchema, args);
    this.sent.push({ cmd, frame, args });
    const refused = this.refuse?.(frame);
    if (refused !== undefined) {
      const out = new Uint8Array(8 + refused.length);
      out.set(refused, 8);
      return out.buffer;
    }
    return this.#run(frame);
  }

  #run(frame: StreamFrame): ArrayBuffer | Promise<ArrayBuffer> {
    if (frame.kind.case === "cancel") {
      const id = frame.kind.value.id;
      const sleeper = this.sleeping.get(id);
      if (sleeper !== undefined) {
        this.sleeping.delete(id);
        sleeper(
          this.answer(
            id,
            1,
            toBinary(FlowyErrorSchema, flowyError(ErrorCode.CANCELLED, "cancelled")),
          ),
        );
      }
      return new ArrayBuffer(0);
    }
    assert.equal(frame.kind.case, "request");
    const { id, request } = frame.kind.value as { id: bigint; request: Uint8Array };
    const req = fromBinary(FFIRequestSchema, request);
    switch (req.event) {
      case "Ping":
        return this.answer(
          id,
          0,
          toBinary(PongPBSchema, create(PongPBSchema, { message: "pong" })),
        );
      case "Echo":
        return this.answer(id, 0, req.payload);
      case "EmitNotifications":
        for (let i = 0; i < 3; i++) {
          const payload = toBinary(TickPBSchema, create(TickPBSchema, { index: i }));
          this.notify(
            create(SubscribeObjectSchema, {
              source: "conformance",
              ty: 1,
              seq: BigInt(i + 1),
              payloadOneof: { case: "payload", value: payload },
            }),
          );
        }
        return this.answer(id, 0, new Uint8Array());
      case "Sleep":
        return new Promise((resolve) => this.sleeping.set(id, resolve));
      default:
        throw new Error(`no such event in the fake: ${req.event}`);
    }
  }
}

let plugin: FakePlugin;
beforeEach(() => {
  plugin = new FakePlugin();
});
afterEach(() => clearMocks());

function client(warnings: string[] = []): { client: Client; transport: TauriTransport } {
  const transport = new TauriTransport({ invoke, Channel });
  return { transport, client: new Client(transport, { onWarning: (m) => warnings.push(m) }) };
}

const requests = (): Array<{ id: bigint; timeoutMs: number; event: string }> =>
  plugin.sent.flatMap((s) =>
    s.frame?.kind.case === "request"
      ? [
          {
            id: s.frame.kind.value.id,
            timeoutMs: s.frame.kind.value.timeoutMs,
            event: fromBinary(FFIRequestSchema, s.frame.kind.value.request).event,
          },
        ]
      : [],
  );

describe("Tauri raw mode (the default)", () => {
  it("opens one session with a Channel and sends each request as a raw StreamFrame with a growing id", async () => {
    const { client: c } = client();
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const [a, b, e] = await Promise.all([
      conformance.ping(c),
      conformance.ping(c),
      conformance.echo(c, { fBytes: every }),
    ]);
    assert.ok(a.ok && a.value.message === "pong");
    assert.ok(b.ok);
    assert.ok(e.ok);
    assert.deepEqual(e.value.fBytes, every);
    assert.equal(plugin.sent.filter((s) => s.cmd === "plugin:eventwire|connect").length, 1);
    assert.deepEqual(
      requests().map((r) => r.id),
      [1n, 2n, 3n],
    );
    assert.deepEqual(
      requests().map((r) => r.event),
      ["Ping", "Ping", "Echo"],
    );
    // The echoed bytes went raw, not as a JSON array.
    const echo = plugin.sent.find(
      (s) => s.frame?.kind.case === "request" && s.frame.kind.value.id === 3n,
    )!;
    assert.ok(echo.args instanceof Uint8Array);
    const inner = fromBinary(
      FFIRequestSchema,
      (echo.frame!.kind.value as { request: Uint8Array }).request,
    );
    assert.deepEqual(fromBinary(AllTypesPBSchema, inner.payload).fBytes, every);
  });

  it("hands notifications to listeners before the response that followed them, even when the answer comes first", async () => {
    for (const late of [false, true]) {
      plugin.late = late;
      const { client: c } = client();
      const order: string[] = [];
      conformance.onTick(c, (n) => n.ok && order.push(`tick ${n.value.index}`));
      const r = await conformance.emitNotifications(c, { count: 3 }).then((r) => {
        order.push("response");
        return r;
      });
      assert.ok(r.ok);
      assert.deepEqual(order, ["tick 0", "tick 1", "tick 2", "response"], `late: ${late}`);
      await c.close();
    }
  });

  it("sends a cancel frame for an aborted call, and drops the late CANCELLED answer", async () => {
    const warnings: string[] = [];
    const { client: c } = client(warnings);
    const abort = new AbortController();
    const call = conformance.sleep(c, { millis: 60_000 }, { signal: abort.signal });
    await waitFor(() => plugin.sleeping.size === 1);
    abort.abort();
    const r = await call;
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.CANCELLED);
    await waitFor(() => plugin.sent.some((s) => s.frame?.kind.case === "cancel"));
    const cancel = plugin.sent.find((s) => s.frame?.kind.case === "cancel")!;
    assert.equal(
      cancel.frame!.kind.case === "cancel" ? cancel.frame!.kind.value.id : undefined,
      1n,
      "the cancel names the request",
    );
    // The plugin answered CANCELLED too: nobody waits for it, and nothing complains.
    await waitFor(() => plugin.sleeping.size === 0);
    const next = await conformance.ping(c);
    assert.ok(next.ok);
    assert.deepEqual(warnings, []);
  });

  it("carries the call's deadline as timeout_ms", async () => {
    const { client: c } = client();
    await conformance.ping(c, { timeoutMs: 1234 });
    await conformance.ping(c);
    assert.deepEqual(
      requests().map((r) => r.timeoutMs),
      [1234, 0],
    );
  });

  it("completes a refused request with the fault's error", async () => {
    plugin.refuse = (frame) => {
      if (frame.kind.case !== "request") return undefined;
      const error = toBinary(
        FlowyErrorSchema,
        flowyError(ErrorCode.TRANSPORT_CLOSED, "session 7 has ended"),
      );
      const fault = create(StreamFrameSchema, {
        kind: { case: "fault", value: { id: frame.kind.value.id, error } },
      });
      return toBinary(StreamFrameSchema, fault);
    };
    const { client: c } = client();
    const r = await conformance.ping(c);
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
    assert.match(r.error.msg, /has ended/);
  });

  it("ends the session on close, failing calls still pending", async () => {
    const { client: c } = client();
    const pending = conformance.sleep(c, { millis: 60_000 });
    await waitFor(() => plugin.sleeping.size === 1);
    await c.close();
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
    const disconnect = plugin.sent.find((s) => s.cmd === "plugin:eventwire|disconnect");
    assert.deepEqual(disconnect?.args, { session: 7 });
  });

  it("warns about channel messages that are not StreamFrames and keeps going", async () => {
    const warnings: string[] = [];
    const { client: c } = client(warnings);
    await conformance.ping(c);
    plugin.deliver(plugin.index++, "text");
    plugin.deliver(plugin.index++, new Uint8Array([0xff]));
    assert.equal(warnings.length, 2);
    assert.ok((await conformance.ping(c)).ok);
  });

  it("needs Channel in raw mode", () => {
    assert.throws(() => new TauriTransport({ invoke }), /needs `Channel`/);
  });
});

/** Resolves once `done()` holds, checking after each turn of the event loop (no timers). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !done(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(done(), "the condition never held");
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  Client,
  ErrorCategory,
  ErrorCode,
  FFIRequestSchema,
  FFIResponseSchema,
  flowyError,
  FlowyErrorSchema,
  isRetryable,
  StreamFrameSchema,
} from "@eventwire/client";
import { conformance, user } from "../conformance/gen/events/index.js";
import { PongPBSchema } from "../conformance/gen/eventwire/v1/conformance_pb.js";
import { UserProfilePBSchema } from "../conformance/gen/eventwire/v1/user_pb.js";
import { encodeFrame, FrameDecoder, spawnHost, StreamTransport } from "@eventwire/client/node";
import { StreamBackend } from "./stream-backend.js";

/** The backend's side of a stream: reads the client's frames, writes its own. */
class FakeBackend extends StreamBackend {
  requestAt(i: number) {
    const f = this.frames[i]!;
    assert.equal(f.kind.case, "request");
    if (f.kind.case !== "request") throw new Error("unreachable");
    return { ...f.kind.value, ffi: fromBinary(FFIRequestSchema, f.kind.value.request) };
  }

  encode(frame: MessageInitShape<typeof StreamFrameSchema>): Uint8Array {
    return encodeFrame(toBinary(StreamFrameSchema, create(StreamFrameSchema, frame)));
  }

  respond(id: bigint, code: number, payload: Uint8Array): Uint8Array {
    const response = toBinary(FFIResponseSchema, create(FFIResponseSchema, { code, payload }));
    return this.encode({ kind: { case: "response", value: { id, response } } });
  }

  send(...frames: Uint8Array[]): void {
    this.toClient.write(Buffer.concat(frames));
  }
}

function setup() {
  const backend = new FakeBackend();
  const transport = new StreamTransport(backend.toClient, backend.fromClient);
  const warnings: string[] = [];
  const client = new Client(transport, { onWarning: (m) => warnings.push(m) });
  return { backend, transport, client, warnings };
}

const pong = toBinary(PongPBSchema, create(PongPBSchema, { message: "pong" }));

describe("stream transport", () => {
  it("frames requests with distinct non-zero ids, the FFIRequest and the per-call deadline", async () => {
    const { backend, client } = setup();
    void conformance.ping(client, { timeoutMs: 1234 });
    void user.signIn(client, { email: "a@b.co", password: "p" });
    await backend.waitForFrames(2);
    const a = backend.requestAt(0);
    const b = backend.requestAt(1);
    assert.notEqual(a.id, 0n);
    assert.notEqual(a.id, b.id);
    assert.equal(a.ffi.event, "Ping");
    assert.equal(a.timeoutMs, 1234);
    assert.equal(b.ffi.event, "SignIn");
    assert.equal(b.timeoutMs, 0, "0 means the event's own deadline");
    await client.close();
  });

  it("matches answers to requests by id in any order", async () => {
    const { backend, client } = setup();
    const first = conformance.ping(client);
    const second = user.getUserProfile(client);
    await backend.waitForFrames(2);
    const profile = toBinary(UserProfilePBSchema, create(UserProfilePBSchema, { id: 2n ** 62n }));
    backend.send(
      backend.respond(backend.requestAt(1).id, 0, profile),
      backend.respond(backend.requestAt(0).id, 0, pong),
    );
    const [r1, r2] = await Promise.all([first, second]);
    assert.ok(r1.ok && r2.ok);
    assert.equal(r1.value.message, "pong");
    assert.equal(r2.value.id, 2n ** 62n);
  });

  it("reads frames split at every byte", async () => {
    const { backend, client } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    const bytes = backend.respond(backend.requestAt(0).id, 0, pong);
    for (const b of bytes) backend.toClient.write(Buffer.from([b]));
    const r = await pending;
    assert.ok(r.ok);
  });

  it("delivers notifications sent before a response before the call resolves", async () => {
    const { backend, client } = setup();
    const order: string[] = [];
    conformance.onTick(client, (n) => order.push(`tick ${n.ok ? n.value.index : "error"}`));
    const pending = conformance.emitNotifications(client, { count: 2, id: "r" }).then((r) => {
      order.push("response");
      return r;
    });
    await backend.waitForFrames(1);
    const tick = (index: number) =>
      backend.encode({
        kind: {
          case: "notification",
          value: {
            source: "conformance",
            ty: 1,
            id: "r",
            seq: BigInt(index + 1),
            payloadOneof: {
              case: "payload",
              value: new Uint8Array(index === 0 ? [] : [0x08, index]),
            },
          },
        },
      });
    backend.send(
      tick(0),
      tick(1),
      backend.respond(backend.requestAt(0).id, 0, new Uint8Array([0x08, 0x02])),
    );
    await pending;
    assert.deepEqual(order, ["tick 0", "tick 1", "response"]);
  });

  it("sends StreamCancel with the request's id when the caller aborts, and ignores the late answer", async () => {
    const { backend, client, warnings } = setup();
    const controller = new AbortController();
    const pending = conformance.sleep(client, { millis: 1000 }, { signal: controller.signal });
    await backend.waitForFrames(1);
    controller.abort();
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.CANCELLED);
    const frames = await backend.waitForFrames(2);
    assert.equal(frames[1]!.kind.case, "cancel");
    assert.equal(frames[1]!.kind.value!.id, backend.requestAt(0).id);
    backend.send(
      backend.respond(
        backend.requestAt(0).id,
        1,
        toBinary(FlowyErrorSchema, flowyError(ErrorCode.CANCELLED, "x")),
      ),
    );
    const next = conformance.ping(client);
    await backend.waitForFrames(3);
    backend.send(backend.respond(backend.requestAt(2).id, 0, pong));
    assert.ok((await next).ok, "the stream keeps working");
    assert.deepEqual(warnings, []);
  });

  it("sends StreamCancel when the deadline passes", async () => {
    const { backend, client } = setup();
    const r = await conformance.sleep(client, { millis: 1000 }, { timeoutMs: 5 });
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.REQUEST_TIMEOUT);
    const frames = await backend.waitForFrames(2);
    assert.equal(frames[1]!.kind.case, "cancel");
  });

  it("fails the call a fault names, and keeps the stream open", async () => {
    const { backend, client } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    const error = toBinary(FlowyErrorSchema, flowyError(ErrorCode.INVALID_REQUEST, "bad frame"));
    backend.send(
      backend.encode({ kind: { case: "fault", value: { id: backend.requestAt(0).id, error } } }),
    );
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(r.error.code, ErrorCode.INVALID_REQUEST);
    const next = conformance.ping(client);
    await backend.waitForFrames(2);
    backend.send(backend.respond(backend.requestAt(1).id, 0, pong));
    assert.ok((await next).ok);
  });

  it("completes no call on a non-closing fault with id 0, and reports it (REQ-TRANS-STREAM-5, -10)", async () => {
    // What a backend sends for a duplicate id or a response frame from the front end: the call
    // in flight is unaffected and gets its own response.
    const { backend, client, warnings } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    const error = toBinary(
      FlowyErrorSchema,
      flowyError(ErrorCode.INVALID_REQUEST, "request.id: already in flight"),
    );
    backend.send(backend.encode({ kind: { case: "fault", value: { id: 0n, error } } }));
    backend.send(backend.respond(backend.requestAt(0).id, 0, pong));
    const r = await pending;
    assert.ok(r.ok, "the call got its response, not the fault");
    assert.equal(warnings.length, 1, "the fault is reported");
  });

  it("after a closing fault, still takes the answers in flight and refuses later calls with the fault", async () => {
    const { backend, client, warnings } = setup();
    const a = conformance.ping(client);
    const b = conformance.ping(client);
    await backend.waitForFrames(2);
    const error = toBinary(
      FlowyErrorSchema,
      flowyError(ErrorCode.PAYLOAD_TOO_LARGE, "frame too large"),
    );
    backend.send(
      backend.encode({ kind: { case: "fault", value: { id: 0n, error, closing: true } } }),
    );
    const later = await conformance.ping(client);
    assert.ok(!later.ok);
    assert.equal(later.origin, "transport");
    assert.equal(later.error.code, ErrorCode.PAYLOAD_TOO_LARGE);
    assert.equal(backend.frames.length, 2, "nothing more is written after a closing fault");
    // REQ-TRANS-STREAM-7: the backend answers what it has, then ends its output.
    backend.send(backend.respond(backend.requestAt(0).id, 0, pong));
    backend.toClient.end();
    const [ra, rb] = [await a, await b];
    assert.ok(ra.ok);
    assert.ok(!rb.ok);
    assert.equal(rb.error.code, ErrorCode.TRANSPORT_CLOSED);
    assert.equal(warnings.length, 1, "a fault with id 0 is reported");
  });

  it("skips a frame that is not a StreamFrame and reports it", async () => {
    const { backend, client, warnings } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    backend.send(
      encodeFrame(new Uint8Array([0xff, 0xff, 0xff])),
      backend.respond(backend.requestAt(0).id, 0, pong),
    );
    assert.ok((await pending).ok);
    assert.equal(warnings.length, 1);
  });

  it("fails a call whose response is not an FFIResponse", async () => {
    const { backend, client } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    backend.send(
      backend.encode({
        kind: {
          case: "response",
          value: { id: backend.requestAt(0).id, response: new Uint8Array([0x0a, 0x7f]) },
        },
      }),
    );
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(r.error.code, ErrorCode.INTERNAL, "a malformed answer, not a closed transport");
  });

  it("fails everything on a length prefix above the limit", async () => {
    const { backend, client } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    backend.send(new Uint8Array([0xff, 0xff, 0xff, 0x7f]));
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(
      r.error.code,
      ErrorCode.TRANSPORT_CLOSED,
      "REQ-TRANS-STREAM-11: the end of the backend's output",
    );
    assert.match(r.error.msg, /exceeds the limit/);
  });

  it("fails waiting calls when the backend ends the stream", async () => {
    const { backend, client } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    backend.toClient.end();
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
    assert.equal(r.error.category, ErrorCategory.UNAVAILABLE);
    assert.ok(isRetryable(r.error));
    const later = await conformance.ping(client);
    assert.ok(!later.ok);
    assert.equal(later.error.code, ErrorCode.TRANSPORT_CLOSED);
  });

  it("fails waiting calls when writing breaks", async () => {
    const { backend, client } = setup();
    const pending = conformance.ping(client);
    await backend.waitForFrames(1);
    backend.fromClient.destroy(new Error("EPIPE"));
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
    assert.match(r.error.msg, /EPIPE/);
  });
});

describe("host process", () => {
  it("turns a host that cannot be started into a transport failure", async () => {
    const transport = spawnHost({ command: "/nonexistent/eventwire-host", stderr: "ignore" });
    const client = new Client(transport, { onWarning: () => {} });
    const r = await conformance.ping(client);
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    await client.close();
  });

  it("turns a host that exits into a transport failure naming its exit code", async () => {
    const transport = spawnHost({
      command: process.execPath,
      args: ["-e", "setTimeout(() => process.exit(3), 20)"],
      stderr: "ignore",
    });
    const client = new Client(transport, { onWarning: () => {} });
    const r = await conformance.ping(client);
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
    assert.equal(r.error.category, ErrorCategory.UNAVAILABLE);
    assert.match(r.error.msg, /code 3/);
    await client.close();
  });
});

describe("framing", () => {
  it("prefixes the body with its length, little endian", () => {
    assert.deepEqual([...encodeFrame(new Uint8Array(258).fill(7)).subarray(0, 5)], [2, 1, 0, 0, 7]);
    assert.deepEqual([...encodeFrame(new Uint8Array())], [0, 0, 0, 0]);
  });

  it("returns whole frames only, across chunk boundaries", () => {
    const d = new FrameDecoder(16);
    assert.deepEqual(d.push(new Uint8Array([2, 0])), []);
    assert.deepEqual(d.push(new Uint8Array([0, 0, 9])), []);
    const frames = d.push(new Uint8Array([8, 0, 0, 0, 0, 1]));
    assert.deepEqual(
      frames.map((f) => [...f]),
      [[9, 8], []],
    );
    assert.equal(d.pendingBytes, 1);
  });

  it("refuses a prefix above its limit and stays failed", () => {
    const d = new FrameDecoder(16);
    assert.throws(() => d.push(new Uint8Array([17, 0, 0, 0])), /exceeds the limit of 16/);
    assert.throws(() => d.push(new Uint8Array([0, 0, 0, 0])), /exceeds/);
  });
});

// The runtime handshake (SPEC.md section 16.5) in @eventwire/client: fingerprints against the
// values worked out by hand in SPEC.md and vectors/envelope.yaml, the outcomes compared, and what
// the stream transport does with each outcome.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { parse } from "yaml";
import {
  canonicalEvent,
  canonicalNotification,
  Client,
  compareHandshakes,
  ErrorCategory,
  ErrorCode,
  FFIRequestSchema,
  FFIResponseSchema,
  FlowyErrorSchema,
  type HandshakeModule,
  hex,
  moduleFingerprint,
  schemaHandshake,
  StreamFrameSchema,
  type StreamHandshake,
  StreamHandshakeSchema,
  toCanonicalBinary,
} from "@eventwire/client";
import { encodeFrame, StreamTransport } from "@eventwire/client/node";
import { conformance, document, user } from "../conformance/gen/events/index.js";
import { PongPBSchema } from "../conformance/gen/eventwire/v1/conformance_pb.js";
import { StreamBackend } from "./stream-backend.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const modules: HandshakeModule[] = [
  { name: "user", events: user.events, notifications: user.notifications },
  { name: "conformance", events: conformance.events, notifications: conformance.notifications },
  { name: "document", events: document.events, notifications: document.notifications },
];

/** SPEC.md section 16.5's worked example: the canonical form of Ping and its fingerprint. */
function specExample(): { canonical: string; fingerprint: string } {
  const spec = readFileSync(join(repo, "SPEC.md"), "utf8");
  const section = spec.slice(spec.indexOf("### 16.5 The runtime handshake"));
  const m =
    /has the canonical form\n\n```\n([\s\S]*?)```\n\nand the fingerprint `([0-9a-f]{64})`/.exec(
      section,
    );
  assert.ok(m, "SPEC.md section 16.5 holds the worked example of Ping");
  return { canonical: m[1]!, fingerprint: m[2]! };
}

interface VectorCase {
  id: string;
  type: string;
  value: {
    handshake: {
      protocolVersion: number;
      modules: {
        name: string;
        fingerprint: string;
        events: { name: string; id: number; fingerprint: string }[];
      }[];
    };
  };
  hex: string;
}

function vector(id: string): VectorCase {
  const file = parse(readFileSync(join(repo, "vectors", "envelope.yaml"), "utf8")) as {
    cases: VectorCase[];
  };
  const c = file.cases.find((x) => x.id === id);
  assert.ok(c, `vectors/envelope.yaml has ${id}`);
  return c;
}

const fromHex = (s: string): Uint8Array =>
  Uint8Array.from(
    s
      .split(" ")
      .filter((x) => x !== "")
      .map((b) => parseInt(b, 16)),
  );
const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

describe("fingerprints (SPEC.md section 16.5)", () => {
  it("writes Ping's canonical form exactly as SPEC.md's worked example, whose SHA-256 is the fingerprint given there", () => {
    const { canonical, fingerprint } = specExample();
    assert.equal(canonicalEvent(conformance.PingEvent), canonical);
    // The example's own arithmetic, by an independent SHA-256.
    assert.equal(createHash("sha256").update(canonical, "utf8").digest("hex"), fingerprint);
  });

  it("announces, for a module of Ping alone, the fingerprints and the bytes of vector enc-0134", async () => {
    const v = vector("enc-0134");
    const expected = v.value.handshake.modules[0]!;
    const fp = await moduleFingerprint({
      name: "conformance",
      events: [conformance.PingEvent],
      notifications: [],
    });
    assert.equal(fp.name, "conformance");
    assert.equal(hex(fp.events[0]!.fingerprint), specExample().fingerprint);
    assert.deepEqual(fp.events[0]!.fingerprint, fromBase64(expected.events[0]!.fingerprint));
    assert.equal(fp.events[0]!.id, 905);
    assert.deepEqual(fp.fingerprint, fromBase64(expected.fingerprint));
    const handshake = await schemaHandshake([
      { name: "conformance", events: [conformance.PingEvent], notifications: [] },
    ]);
    const bytes = toCanonicalBinary(
      StreamFrameSchema,
      create(StreamFrameSchema, { kind: { case: "handshake", value: handshake } }),
    );
    assert.deepEqual(bytes, fromHex(v.hex));
  });

  it("writes a message's map entries as map-entry messages, its oneofs and enums, in byte order of full name", () => {
    const text = canonicalEvent(conformance.EchoEvent);
    const lines = text.split("\n");
    assert.equal(lines[0], "eventwire-fingerprint-v1");
    assert.equal(lines[1], "event conformance Echo 900");
    assert.equal(lines[2], "input eventwire.v1.AllTypesPB");
    assert.equal(lines[4], "errors");
    assert.ok(text.endsWith("\n"));
    const heads = lines
      .filter((l) => l.startsWith("message ") || l.startsWith("enum "))
      .map((l) => l.split(" ")[1]!);
    assert.deepEqual(
      heads,
      [...heads].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)),
      "types in ascending byte order",
    );
    assert.equal(new Set(heads).size, heads.length, "each type once");
    const entries = lines.filter((l) => l.startsWith("message ") && l.endsWith(" 1"));
    assert.ok(
      entries.length > 0,
      "AllTypesPB has maps: their entry messages are written with map_entry 1",
    );
    for (const e of entries) {
      const at = lines.indexOf(e);
      assert.match(lines[at + 1]!, /^field 1 key key 1 \d+ /);
      assert.match(lines[at + 2]!, /^field 2 value value 1 \d+ /);
    }
    assert.ok(
      lines.some((l) => l.startsWith("enum ")),
      "an enum reachable from AllTypesPB",
    );
    assert.ok(
      lines.some((l) => /^field \d+ \S+ \S+ 1 \d+ \S+ [^-\s]\S* 0$/.test(l)),
      "a field of a oneof names it",
    );
  });

  it("changes an event's fingerprint, and only its own, when its errors change", async () => {
    const base = await moduleFingerprint({
      name: "conformance",
      events: conformance.events,
      notifications: [],
    });
    const altered = conformance.events.map((e) =>
      e.name === "Ping" ? { ...e, errors: [ErrorCode.INVALID_PARAMS] } : e,
    );
    const other = await moduleFingerprint({
      name: "conformance",
      events: altered,
      notifications: [],
    });
    assert.notDeepEqual(other.fingerprint, base.fingerprint);
    for (const [i, e] of base.events.entries()) {
      const o = other.events[i]!;
      if (e.name === "Ping") assert.notDeepEqual(o.fingerprint, e.fingerprint);
      else assert.deepEqual(o.fingerprint, e.fingerprint, e.name);
    }
    // Documentation and deadlines do not enter a fingerprint.
    const timed = await moduleFingerprint({
      name: "conformance",
      events: conformance.events.map((e) => ({ ...e, timeoutMs: 5 })),
      notifications: [],
    });
    assert.deepEqual(timed.fingerprint, base.fingerprint);
  });

  it("writes a notification kind with its address and payload type", () => {
    const tick = conformance.notifications.find((n) => n.name === "Tick");
    assert.ok(tick);
    const lines = canonicalNotification("conformance", tick).split("\n");
    assert.deepEqual(lines.slice(0, 3), [
      "eventwire-fingerprint-v1",
      `notification conformance Tick ${tick.source} ${tick.ty}`,
      `payload ${tick.payload.typeName}`,
    ]);
  });

  it("lists modules in ascending order of name, each with its events in ascending id", async () => {
    const h = await schemaHandshake(modules);
    assert.equal(h.protocolVersion, 1);
    assert.deepEqual(
      h.modules.map((m) => m.name),
      ["conformance", "document", "user"],
    );
    for (const m of h.modules) {
      const ids = m.events.map((e) => e.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      assert.equal(m.fingerprint.length, 32);
    }
  });
});

/** A copy of `h` changed by `edit`. */
function edited(h: StreamHandshake, edit: (h: StreamHandshake) => void): StreamHandshake {
  const copy = fromBinary(StreamHandshakeSchema, toBinary(StreamHandshakeSchema, h));
  edit(copy);
  return copy;
}

const flip = (b: Uint8Array): Uint8Array => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 0xff : x));

describe("outcomes (SPEC.md section 16.5, REQ-VER-15)", () => {
  it("identical: the same modules with the same fingerprints", async () => {
    const h = await schemaHandshake(modules);
    assert.deepEqual(
      compareHandshakes(
        h,
        edited(h, () => {}),
      ),
      { kind: "identical" },
    );
  });

  it("compatible: the events the backend lacks, module by module in name order, by ascending id", async () => {
    const h = await schemaHandshake(modules);
    const userEvents = h.modules.find((m) => m.name === "user")!.events;
    const lastUser = userEvents[userEvents.length - 1]!.name;
    const backend = edited(h, (b) => {
      for (const m of b.modules)
        m.events = m.events.filter(
          (e) => e.name !== "Ping" && e.name !== "Echo" && e.name !== lastUser,
        );
    });
    const o = compareHandshakes(h, backend);
    assert.deepEqual(o, { kind: "compatible", missing: ["Echo", "Ping", lastUser] });
  });

  it("compatible: a backend with more than the front end lacks nothing", async () => {
    const h = await schemaHandshake(modules);
    const backend = edited(h, (b) => {
      b.modules.push({
        ...b.modules[0]!,
        name: "zzz",
        events: [
          {
            $typeName: "eventwire.v1.EventFingerprint",
            name: "Extra",
            id: 1,
            fingerprint: new Uint8Array(32),
          },
        ],
      });
    });
    assert.deepEqual(compareHandshakes(h, backend), { kind: "compatible", missing: [] });
  });

  it("incompatible: names the first differing event, its module, and both sides' fingerprints of each", async () => {
    const h = await schemaHandshake(modules);
    const conf = h.modules.find((m) => m.name === "conformance")!;
    const ping = conf.events.find((e) => e.name === "Ping")!;
    const userFirst = h.modules.find((m) => m.name === "user")!.events[0]!;
    const backend = edited(h, (b) => {
      for (const m of b.modules) {
        if (m.name === "conformance") m.fingerprint = flip(m.fingerprint);
        for (const e of m.events)
          if (e.name === "Ping" || e.name === userFirst.name) e.fingerprint = flip(e.fingerprint);
      }
    });
    const o = compareHandshakes(h, backend);
    assert.equal(o.kind, "incompatible");
    if (o.kind !== "incompatible") return;
    assert.equal(o.event, "Ping", "conformance comes before user");
    assert.equal(o.module, "conformance");
    assert.deepEqual([o.frontEndVersion, o.backendVersion], [1, 1]);
    assert.deepEqual(o.frontEndModuleFingerprint, conf.fingerprint);
    assert.deepEqual(o.backendModuleFingerprint, flip(conf.fingerprint));
    assert.deepEqual(o.frontEndEventFingerprint, ping.fingerprint);
    assert.deepEqual(o.backendEventFingerprint, flip(ping.fingerprint));
    // The diagnostic names the event and all four fingerprints (REQ-VER-18).
    for (const part of [
      "Ping",
      hex(conf.fingerprint),
      hex(flip(conf.fingerprint)),
      hex(ping.fingerprint),
      hex(flip(ping.fingerprint)),
    ]) {
      assert.ok(o.message.includes(part), `the message names ${part}: ${o.message}`);
    }
  });

  it("incompatible: an event renumbered, found in another module of the backend", async () => {
    const h = await schemaHandshake(modules);
    const backend = edited(h, (b) => {
      const conf = b.modules.find((m) => m.name === "conformance")!;
      const ping = conf.events.find((e) => e.name === "Ping")!;
      conf.events = conf.events.filter((e) => e !== ping);
      b.modules.push({
        $typeName: "eventwire.v1.ModuleFingerprint",
        name: "moved",
        fingerprint: new Uint8Array(32),
        events: [{ ...ping, id: 1 }],
      });
    });
    const o = compareHandshakes(h, backend);
    assert.equal(o.kind, "incompatible");
    if (o.kind !== "incompatible") return;
    assert.equal(o.event, "Ping");
    assert.match(o.message, /event id 905 .*event id 1 /);
  });

  it("incompatible: a differing event in a module the backend does not have by that name reports an empty module fingerprint", async () => {
    const h = await schemaHandshake(modules);
    const backend = edited(h, (b) => {
      for (const m of b.modules)
        if (m.name === "conformance") {
          m.name = "renamed";
          for (const e of m.events) if (e.name === "Echo") e.fingerprint = flip(e.fingerprint);
        }
    });
    const o = compareHandshakes(h, backend);
    assert.equal(o.kind, "incompatible");
    if (o.kind !== "incompatible") return;
    assert.equal(o.event, "Echo");
    assert.deepEqual(o.backendModuleFingerprint, new Uint8Array());
    assert.match(o.message, /backend module `conformance` absent/);
  });

  it("incompatible: another protocol version names both versions and no event", async () => {
    const h = await schemaHandshake(modules);
    const o = compareHandshakes(
      h,
      edited(h, (b) => (b.protocolVersion = 2)),
    );
    assert.equal(o.kind, "incompatible");
    if (o.kind !== "incompatible") return;
    assert.deepEqual([o.frontEndVersion, o.backendVersion, o.event], [1, 2, undefined]);
    assert.match(o.message, /version 2.*version 1/);
  });
});

/** The backend's side of a stream: reads the front end's frames, writes its own. */
class FakeBackend extends StreamBackend {
  send(frame: MessageInitShape<typeof StreamFrameSchema>): void {
    this.toClient.write(encodeFrame(toBinary(StreamFrameSchema, create(StreamFrameSchema, frame))));
  }

  respond(id: bigint, payload: Uint8Array): void {
    this.send({
      kind: {
        case: "response",
        value: {
          id,
          response: toBinary(FFIResponseSchema, create(FFIResponseSchema, { payload })),
        },
      },
    });
  }

  requests(): { id: bigint; event: string }[] {
    return this.frames.flatMap((f) =>
      f.kind.case === "request"
        ? [{ id: f.kind.value.id, event: fromBinary(FFIRequestSchema, f.kind.value.request).event }]
        : [],
    );
  }
}

async function connect() {
  const backend = new FakeBackend();
  const transport = new StreamTransport(backend.toClient, backend.fromClient);
  const client = new Client(transport, { onWarning: () => {} });
  const own = await schemaHandshake(modules);
  const outcome = transport.handshake(own);
  const [first] = await backend.waitForFrames(1);
  assert.equal(first!.kind.case, "handshake", "the handshake is the first frame (REQ-VER-16)");
  return { backend, transport, client, own, outcome };
}

const pong = toBinary(PongPBSchema, create(PongPBSchema, { message: "pong" }));

describe("the stream transport's handshake (REQ-VER-16 to -18)", () => {
  it("identical: calls made before the answer wait for it, then go to the backend", async () => {
    const { backend, transport, client, own, outcome } = await connect();
    const early = conformance.ping(client);
    backend.send({ kind: { case: "handshake", value: own } });
    assert.deepEqual(await outcome, { kind: "identical" });
    await backend.waitForFrames(2);
    assert.equal(
      backend.frames[1]!.kind.case,
      "request",
      "the call was sent after the handshake's answer",
    );
    backend.respond(backend.requests()[0]!.id, pong);
    const r = await early;
    assert.ok(r.ok);
    assert.equal(r.value.message, "pong");
    assert.deepEqual(transport.handshakeOutcome, { kind: "identical" });
  });

  it("compatible: a call to a missing event fails at once with UNKNOWN_EVENT and sends nothing; others go through", async () => {
    const { backend, client, own, outcome } = await connect();
    backend.send({
      kind: {
        case: "handshake",
        value: edited(own, (b) =>
          b.modules.forEach((m) => (m.events = m.events.filter((e) => e.name !== "Ping"))),
        ),
      },
    });
    assert.deepEqual(await outcome, { kind: "compatible", missing: ["Ping"] });
    const missing = await conformance.ping(client);
    assert.equal(missing.ok, false);
    if (missing.ok) return;
    assert.equal(missing.error.code, ErrorCode.UNKNOWN_EVENT);
    assert.equal(missing.error.category, ErrorCategory.UNIMPLEMENTED);
    assert.match(missing.error.msg, /Ping: the backend lacks this event/);
    const sleep = conformance.sleep(client, { millis: 1 });
    await backend.waitForFrames(2);
    assert.deepEqual(
      backend.requests().map((r) => r.event),
      ["Sleep"],
      "only the call the backend has was sent",
    );
    backend.respond(backend.requests()[0]!.id, new Uint8Array());
    assert.ok((await sleep).ok);
  });

  it("incompatible: the outcome carries the diagnostic, and calls are still sent and answered", async () => {
    const { backend, client, own, outcome } = await connect();
    backend.send({
      kind: {
        case: "handshake",
        value: edited(own, (b) =>
          b.modules.forEach((m) =>
            m.events.forEach((e) => e.name === "Echo" && (e.fingerprint = flip(e.fingerprint))),
          ),
        ),
      },
    });
    const o = await outcome;
    assert.equal(o.kind, "incompatible");
    if (o.kind === "incompatible") assert.equal(o.event, "Echo");
    const r = conformance.ping(client);
    await backend.waitForFrames(2);
    backend.respond(backend.requests()[0]!.id, pong);
    assert.ok((await r).ok);
  });

  it("a version-1 backend that answers the handshake with a fault with id 0 keeps working, an unknown event included", async () => {
    const { backend, client, outcome } = await connect();
    const early = conformance.ping(client);
    const error = toBinary(
      FlowyErrorSchema,
      create(FlowyErrorSchema, {
        code: ErrorCode.INVALID_REQUEST,
        category: ErrorCategory.INVALID_ARGUMENT,
      }),
    );
    backend.send({ kind: { case: "fault", value: { id: 0n, error, closing: false } } });
    assert.deepEqual(await outcome, { kind: "no-handshake" });
    const discard = conformance.discard(client, { a: 150 });
    await backend.waitForFrames(3);
    assert.deepEqual(
      backend.requests().map((r) => r.event),
      ["Ping", "Discard"],
    );
    const unknown = toBinary(
      FlowyErrorSchema,
      create(FlowyErrorSchema, {
        code: ErrorCode.UNKNOWN_EVENT,
        category: ErrorCategory.UNIMPLEMENTED,
      }),
    );
    backend.send({
      kind: {
        case: "response",
        value: {
          id: backend.requests()[1]!.id,
          response: toBinary(
            FFIResponseSchema,
            create(FFIResponseSchema, { code: 1, payload: unknown }),
          ),
        },
      },
    });
    backend.respond(backend.requests()[0]!.id, pong);
    const [p, d] = await Promise.all([early, discard]);
    assert.ok(p.ok, "the call made before the answer was sent and answered");
    assert.equal(d.ok, false);
    if (!d.ok) {
      assert.equal(d.error.code, ErrorCode.UNKNOWN_EVENT);
      assert.equal(d.origin, "backend", "the backend's own answer, not a local one");
    }
  });

  it("the end of the backend's output before the answer fails the handshake and the calls waiting for it", async () => {
    const { backend, client, outcome } = await connect();
    const early = conformance.ping(client);
    backend.toClient.end();
    await assert.rejects(
      outcome,
      (e: { error: { code: number } }) => e.error.code === ErrorCode.TRANSPORT_CLOSED,
    );
    const r = await early;
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
  });
});

// Against the reference backend over stdio: one `eventwire-host --stdio` process for these tests.
//
// The host is EVENTWIRE_HOST if set, else the workspace's target/debug/eventwire-host, built here
// with cargo. When no host can be had the tests FAIL, saying why; set EVENTWIRE_SKIP_LIVE=1 to skip
// them deliberately (they are then reported as skipped, with that reason).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import {
  type Client,
  createClient,
  ErrorCategory,
  ErrorCode,
  type EventDesc,
  type Notification,
  schemaHandshake,
} from "@eventwire/client";
import { conformance, document, user } from "../conformance/gen/events/index.js";
import { AllTypesPBSchema, type TickPB } from "../conformance/gen/eventwire/v1/conformance_pb.js";
import {
  type DocumentSnapshotPB,
  ExportType,
} from "../conformance/gen/eventwire/v1/document_pb.js";
import { type UserProfilePB } from "../conformance/gen/eventwire/v1/user_pb.js";
import { SampleErrorCode } from "../conformance/gen/eventwire/v1/sample_errors_pb.js";
import { spawnHost } from "@eventwire/client/node";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function findHost(): { path?: string; reason?: string } {
  const fromEnv = process.env.EVENTWIRE_HOST;
  if (fromEnv)
    return existsSync(fromEnv)
      ? { path: fromEnv }
      : { reason: `EVENTWIRE_HOST=${fromEnv} does not exist` };
  const built = join(repo, "target", "debug", "eventwire-host");
  if (!existsSync(join(repo, "reference-impl", "reference", "Cargo.toml")))
    return { reason: "this tree has no reference-impl/reference crate" };
  const cargo = spawnSync(
    "cargo",
    ["build", "--quiet", "-p", "eventwire-reference", "--bin", "eventwire-host"],
    { cwd: repo, stdio: "inherit" },
  );
  if (cargo.error)
    return { reason: `cargo is not available to build eventwire-host: ${cargo.error.message}` };
  if (cargo.status !== 0)
    return { reason: "cargo build -p eventwire-reference --bin eventwire-host failed" };
  return existsSync(built)
    ? { path: built }
    : { reason: `cargo built eventwire-host, but ${built} does not exist` };
}

const skip = process.env.EVENTWIRE_SKIP_LIVE === "1" ? "EVENTWIRE_SKIP_LIVE=1" : undefined;
const host = skip === undefined ? findHost() : {};

it("an eventwire-host is available for the live tests", { skip }, () => {
  assert.ok(host.path !== undefined, `no host: ${host.reason}`);
});

/** FNV-1a 64 of the UTF-8 bytes of `s`: how the sample app derives session tokens. */
function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s))
    h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

describe(
  "live: eventwire-host --stdio",
  { skip: skip ?? (host.path === undefined ? "no host (see the failure above)" : undefined) },
  () => {
    let client: Client;
    const warnings: string[] = [];

    before(() => {
      client = createClient(spawnHost({ command: host.path, stderr: "ignore" }), {
        onWarning: (m) => warnings.push(m),
      });
    });
    after(async () => {
      await client.close();
      assert.deepEqual(warnings, []);
    });

    it("SignIn answers the profile, after the UserSignedIn notification", async () => {
      const seen: Array<Notification<UserProfilePB>> = [];
      let answered = false;
      const stop = user.onUserSignedIn(client, (n) => {
        assert.equal(answered, false, "the notification comes before the answer");
        seen.push(n);
      });
      const r = await user.signIn(client, {
        email: "ada@example.com",
        password: "pw",
        name: "Ada",
      });
      answered = true;
      stop();
      assert.ok(r.ok, r.ok ? "" : r.error.msg);
      const { id, email, name, token } = r.value;
      assert.equal(typeof id, "bigint");
      assert.ok(id >= 1n);
      assert.equal(email, "ada@example.com");
      assert.equal(name, "Ada");
      assert.match(token, /^[0-9a-f]+$/);
      assert.equal(BigInt(`0x${token}`), fnv1a64(`${id}:ada@example.com`));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.id, String(id));
      assert.ok(seen[0]!.ok && seen[0]!.value.email === "ada@example.com");
    });

    it("SignIn with a malformed email fails with EMAIL_FORMAT_INVALID", async () => {
      const r = await user.signIn(client, { email: "not-an-email", password: "pw" });
      assert.ok(!r.ok);
      assert.equal(r.origin, "backend");
      assert.equal(r.error.code, SampleErrorCode.EMAIL_FORMAT_INVALID);
      assert.equal(r.error.category, ErrorCategory.INVALID_ARGUMENT);
    });

    it("GetDocument creates an empty document at revision 0", async () => {
      const r = await document.getDocument(client, { documentId: "live-get" });
      assert.ok(r.ok, r.ok ? "" : r.error.msg);
      assert.equal(r.value.documentId, "live-get");
      assert.equal(r.value.content, "");
      assert.equal(r.value.revision, 0n);
    });

    it("ApplyEdit answers OK after the DocumentUpdated notification for its id", async () => {
      assert.ok((await document.getDocument(client, { documentId: "live-edit" })).ok);
      const mine: Array<Notification<DocumentSnapshotPB>> = [];
      const others: string[] = [];
      const stopMine = document.onDocumentUpdated(client, (n) => mine.push(n), { id: "live-edit" });
      const stopOthers = document.onDocumentUpdated(client, (n) => others.push(n.id), {
        id: "another-document",
      });
      const userTyOne: string[] = [];
      const stopUser = user.onUserSignedIn(client, (n) => userTyOne.push(n.id));
      const r = await document.applyEdit(client, {
        documentId: "live-edit",
        offset: 0,
        delete: 0,
        insert: "héllo 🌍",
      });
      assert.deepEqual(r, { ok: true, value: undefined });
      const edit = await document.applyEdit(client, {
        documentId: "live-edit",
        offset: 6,
        delete: 1,
        insert: "world",
      });
      assert.ok(edit.ok, "offsets count Unicode scalar values: the emoji is one");
      stopMine();
      stopOthers();
      stopUser();
      assert.equal(mine.length, 2);
      const last = mine[1]!;
      assert.ok(last.ok);
      assert.equal(last.value.content, "héllo world");
      assert.equal(last.value.revision, 2n);
      assert.ok(mine[1]!.seq > mine[0]!.seq);
      assert.deepEqual(others, []);
      assert.deepEqual(userTyOne, [], "document ty 1 is not user ty 1");
    });

    it("ExportDocument with an empty view_id fails with VIEW_ID_IS_INVALID", async () => {
      const r = await document.exportDocument(client, {
        viewId: "",
        exportType: ExportType.MARKDOWN,
      });
      assert.ok(!r.ok);
      assert.equal(r.origin, "backend");
      assert.equal(r.error.code, SampleErrorCode.VIEW_ID_IS_INVALID);
    });

    it("an unknown event fails with UNKNOWN_EVENT", async () => {
      const unknown: EventDesc<undefined, undefined> = {
        module: "none",
        name: "NoSuchEvent",
        id: 0,
        input: undefined,
        output: undefined,
        errors: "any",
      };
      const r = await client.call(unknown, undefined);
      assert.ok(!r.ok);
      assert.equal(r.origin, "backend");
      assert.equal(r.error.code, ErrorCode.UNKNOWN_EVENT);
      assert.equal(r.error.category, ErrorCategory.UNIMPLEMENTED);
    });

    it("Sleep past the event's deadline fails with REQUEST_TIMEOUT from the backend", async () => {
      const r = await conformance.sleep(client, { millis: 1000 });
      assert.ok(!r.ok);
      assert.equal(r.origin, "backend");
      assert.equal(r.error.code, ErrorCode.REQUEST_TIMEOUT);
    });

    it("Sleep cancelled through an AbortSignal resolves with CANCELLED, and the host keeps serving", async () => {
      const ac = new AbortController();
      const pending = conformance.sleep(
        client,
        { millis: 1000 },
        { signal: ac.signal, timeoutMs: 10_000 },
      );
      setTimeout(() => ac.abort(), 20);
      const r = await pending;
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.CANCELLED);
      const pong = await conformance.ping(client);
      assert.ok(pong.ok);
      assert.equal(pong.value.message, "pong");
    });

    it("EmitNotifications delivers its ticks in order, numbered without gaps, before the answer", async () => {
      const ticks: Array<Notification<TickPB>> = [];
      const stop = conformance.onTick(client, (n) => ticks.push(n), { id: "live-ticks" });
      const r = await conformance.emitNotifications(client, { count: 5, id: "live-ticks" });
      stop();
      assert.ok(r.ok);
      assert.equal(r.value.emitted, 5);
      assert.deepEqual(
        ticks.map((t) => (t.ok ? t.value.index : -1)),
        [0, 1, 2, 3, 4],
      );
      for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]!.seq, ticks[i - 1]!.seq + 1n);
    });

    it("Echo returns 64-bit integers and bytes unchanged", async () => {
      const input = create(AllTypesPBSchema, {
        fInt64: -(2n ** 63n),
        fUint64: 2n ** 64n - 1n,
        fSfixed64: 2n ** 63n - 1n,
        fBytes: Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
        mUint64Bytes: { "18446744073709551615": new Uint8Array([0, 1]) },
      });
      const r = await conformance.echo(client, input);
      assert.ok(r.ok, r.ok ? "" : r.error.msg);
      assert.equal(r.value.fInt64, -(2n ** 63n));
      assert.equal(r.value.fUint64, 2n ** 64n - 1n);
      assert.equal(r.value.fSfixed64, 2n ** 63n - 1n);
      assert.deepEqual(r.value.fBytes, input.fBytes);
      assert.deepEqual(r.value.mUint64Bytes["18446744073709551615"], new Uint8Array([0, 1]));
    });

    it("Echo returns maps with negative and 64-bit keys, sent in canonical key order", async () => {
      const input = create(AllTypesPBSchema, {
        mInt32String: { "5": "e", "-1": "m", "2": "b" },
        mUint64Bytes: {
          "18446744073709551615": new Uint8Array([1]),
          "4294967296": new Uint8Array([2]),
        },
      });
      const r = await conformance.echo(client, input);
      assert.ok(r.ok, r.ok ? "" : r.error.msg);
      assert.deepEqual(r.value.mInt32String, { "-1": "m", "2": "b", "5": "e" });
      assert.deepEqual(r.value.mUint64Bytes, {
        "18446744073709551615": new Uint8Array([1]),
        "4294967296": new Uint8Array([2]),
      });
    });
  },
);

describe(
  "live: a host process that dies",
  { skip: skip ?? (host.path === undefined ? "no host (see the failure above)" : undefined) },
  () => {
    it("completes the call in flight, and every later call, with TRANSPORT_CLOSED", async () => {
      const transport = spawnHost({ command: host.path, stderr: "ignore" });
      const client = createClient(transport, { onWarning: (m) => assert.fail(m) });
      try {
        assert.ok((await conformance.ping(client)).ok, "the host serves");
        const pending = conformance.sleep(client, { millis: 5000 }, { timeoutMs: 20_000 });
        transport.process.kill("SIGKILL");
        const r = await pending;
        assert.ok(!r.ok);
        assert.equal(r.origin, "transport");
        assert.equal(r.error.code, ErrorCode.TRANSPORT_CLOSED);
        assert.equal(r.error.category, ErrorCategory.UNAVAILABLE);
        assert.match(r.error.msg, /SIGKILL/);
        const later = await conformance.ping(client);
        assert.ok(!later.ok);
        assert.equal(later.error.code, ErrorCode.TRANSPORT_CLOSED);
      } finally {
        await client.close();
      }
    });

    it("the handshake of the TS front end and the Rust host's answer are identical (SPEC.md section 16.5)", async () => {
      const transport = spawnHost({ command: host.path, stderr: "ignore" });
      const client = createClient(transport, { onWarning: (m) => assert.fail(m) });
      try {
        const own = await schemaHandshake([
          {
            name: "conformance",
            events: conformance.events,
            notifications: conformance.notifications,
          },
          { name: "document", events: document.events, notifications: document.notifications },
          { name: "user", events: user.events, notifications: user.notifications },
        ]);
        const outcome = transport.handshake(own);
        const ping = conformance.ping(client);
        assert.deepEqual(
          await outcome,
          { kind: "identical" },
          "the fingerprints computed in TS equal the host's, computed in Rust",
        );
        assert.ok((await ping).ok, "a call made before the answer is answered after it");
      } finally {
        await client.close();
      }
    });

    it("against a front end built from a newer schema, the host's answer is compatible and the new event fails locally", async () => {
      const transport = spawnHost({ command: host.path, stderr: "ignore" });
      const client = createClient(transport, { onWarning: (m) => assert.fail(m) });
      try {
        const addedLater: EventDesc = { ...conformance.PingEvent, name: "PingTwice", id: 999 };
        const own = await schemaHandshake([
          {
            name: "conformance",
            events: [...conformance.events, addedLater],
            notifications: conformance.notifications,
          },
          { name: "document", events: document.events, notifications: document.notifications },
          { name: "user", events: user.events, notifications: user.notifications },
        ]);
        assert.deepEqual(await transport.handshake(own), {
          kind: "compatible",
          missing: ["PingTwice"],
        });
        const r = await client.call(addedLater, undefined);
        assert.ok(!r.ok);
        assert.equal(r.error.code, ErrorCode.UNKNOWN_EVENT);
        assert.match(r.error.msg, /not sent/, "completed locally, not by the host");
        assert.ok((await conformance.ping(client)).ok);
      } finally {
        await client.close();
      }
    });
  },
);

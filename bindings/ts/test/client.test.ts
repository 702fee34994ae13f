import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Client,
  ErrorCategory,
  ErrorCode,
  flowyError,
  FlowyErrorSchema,
  type Notification,
  TransportError,
  type MalformedNotification,
  SubscribeObjectSchema,
} from "@eventwire/client";
import { conformance, document, user } from "../conformance/gen/events/index.js";
import { type TickPB } from "../conformance/gen/eventwire/v1/conformance_pb.js";
import {
  EditPayloadPBSchema,
  type DocumentSnapshotPB,
  DocumentSnapshotPBSchema,
} from "../conformance/gen/eventwire/v1/document_pb.js";
import {
  SignInPayloadPBSchema,
  type UserProfilePB,
  UserProfilePBSchema,
} from "../conformance/gen/eventwire/v1/user_pb.js";
import { FakeTransport, warnings } from "./fake.js";
import { SampleErrorCode } from "../conformance/gen/eventwire/v1/sample_errors_pb.js";

const profile = create(UserProfilePBSchema, {
  id: 9_223_372_036_854_775_807n,
  email: "a@b.co",
  name: "A",
  token: "t",
});
const profileBytes = toBinary(UserProfilePBSchema, profile);
const errorBytes = (code: ErrorCode, msg = "m") =>
  toBinary(FlowyErrorSchema, flowyError(code, msg));

function setup(options: { defaultTimeoutMs?: number } = {}) {
  const transport = new FakeTransport();
  const w = warnings();
  const client = new Client(transport, { ...options, onWarning: w.onWarning });
  return { transport, client, warnings: w.messages };
}

describe("calls", () => {
  it("sends the event name and the encoded input, and decodes the output without losing int64 precision", async () => {
    const { transport, client } = setup();
    const pending = user.signIn(client, { email: "a@b.co", password: "pw" });
    const [call] = await transport.waitForCalls(1);
    assert.equal(call!.request.event, "SignIn");
    const input = fromBinary(SignInPayloadPBSchema, call!.request.payload);
    assert.equal(input.email, "a@b.co");
    assert.equal(input.password, "pw");
    call!.answer({ code: 0, payload: profileBytes });
    const r = await pending;
    assert.ok(r.ok);
    assert.equal(r.value.id, 9_223_372_036_854_775_807n);
    assert.equal(typeof r.value.id, "bigint");
  });

  it("sends an empty payload for an event without input and yields undefined for one without output", async () => {
    const { transport, client } = setup();
    const pending = user.signOut(client);
    const [call] = await transport.waitForCalls(1);
    assert.equal(call!.request.event, "SignOut");
    assert.equal(call!.request.payload.length, 0);
    call!.answer({ code: 0, payload: new Uint8Array([0x08, 0x01]) });
    assert.deepEqual(await pending, { ok: true, value: undefined });
  });

  it("gives each call its own answer when answers come in another order", async () => {
    const { transport, client } = setup();
    const a = document.getDocument(client, { documentId: "a" });
    const b = document.getDocument(client, { documentId: "b" });
    const [ca, cb] = await transport.waitForCalls(2);
    const snap = (id: string) =>
      toBinary(DocumentSnapshotPBSchema, create(DocumentSnapshotPBSchema, { documentId: id }));
    cb!.answer({ code: 0, payload: snap("b") });
    ca!.answer({ code: 0, payload: snap("a") });
    const [ra, rb] = await Promise.all([a, b]);
    assert.ok(ra.ok && rb.ok);
    assert.equal(ra.value.documentId, "a");
    assert.equal(rb.value.documentId, "b");
  });

  it("turns status 1 into a backend failure carrying the decoded FlowyError", async () => {
    const { transport, client } = setup();
    const pending = user.signIn(client, { email: "x" });
    const [call] = await transport.waitForCalls(1);
    // An application code (the sample app's), with the category its backend sends.
    const appError = create(FlowyErrorSchema, {
      code: SampleErrorCode.EMAIL_FORMAT_INVALID as number,
      msg: "email: bad",
      category: ErrorCategory.INVALID_ARGUMENT,
    });
    call!.answer({ code: 1, payload: toBinary(FlowyErrorSchema, appError) });
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "backend");
    assert.equal(r.error.code, SampleErrorCode.EMAIL_FORMAT_INVALID);
    assert.equal(r.error.category, ErrorCategory.INVALID_ARGUMENT);
  });

  for (const status of [2, 7, -1]) {
    it(`treats status ${status} as an error`, async () => {
      const { transport, client } = setup();
      const pending = conformance.ping(client);
      const [call] = await transport.waitForCalls(1);
      call!.answer({ code: status, payload: errorBytes(ErrorCode.INTERNAL) });
      const r = await pending;
      assert.ok(!r.ok);
      assert.equal(r.origin, "backend");
      assert.equal(r.error.code, ErrorCode.INTERNAL);
    });
  }

  it("reports an OK payload that does not decode as the output type as PROTOBUF_SERDE (REQ-ENV-9)", async () => {
    const { transport, client } = setup();
    const pending = user.getUserProfile(client);
    const [call] = await transport.waitForCalls(1);
    call!.answer({ code: 0, payload: new Uint8Array([0x0a, 0x05, 0x01]) }); // truncated length-delimited field
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "client");
    assert.equal(r.error.code, ErrorCode.PROTOBUF_SERDE);
    assert.equal(r.error.category, ErrorCategory.INVALID_ARGUMENT);
  });

  it("accepts any encoding of an empty message as the answer of an event without output", async () => {
    const { transport, client } = setup();
    const pending = user.signOut(client);
    const [call] = await transport.waitForCalls(1);
    call!.answer({ code: 0, payload: new Uint8Array([0xf8, 0xff, 0x1f, 0x05]) }); // unknown field 65535
    assert.deepEqual(await pending, { ok: true, value: undefined });
  });

  it("reports an OK payload of an event without output that is not a valid encoding as PROTOBUF_SERDE", async () => {
    const { transport, client } = setup();
    const pending = user.signOut(client);
    const [call] = await transport.waitForCalls(1);
    call!.answer({ code: 0, payload: new Uint8Array([0x0a, 0x05]) }); // length past the end
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "client");
    assert.equal(r.error.code, ErrorCode.PROTOBUF_SERDE);
  });

  it("reports an error payload that is not a FlowyError as a client failure", async () => {
    const { transport, client } = setup();
    const pending = user.getUserProfile(client);
    const [call] = await transport.waitForCalls(1);
    call!.answer({ code: 1, payload: new TextEncoder().encode("not a FlowyError: plain text") });
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "client");
    assert.equal(r.error.code, ErrorCode.INTERNAL);
    assert.equal(r.error.category, ErrorCategory.INTERNAL);
  });

  it("reports an input that cannot be encoded without calling the transport", async () => {
    const { transport, client } = setup();
    const r = await document.applyEdit(
      client,
      create(EditPayloadPBSchema, { documentId: "d", offset: -1 }),
    );
    assert.ok(!r.ok);
    assert.equal(r.origin, "client");
    assert.equal(r.error.code, ErrorCode.PROTOBUF_SERDE);
    assert.equal(transport.calls.length, 0);
  });
});

describe("transport failures", () => {
  it("carries a TransportError's FlowyError with origin transport", async () => {
    const { transport, client } = setup();
    const pending = conformance.ping(client);
    const [call] = await transport.waitForCalls(1);
    call!.fail(new TransportError(flowyError(ErrorCode.INVALID_REQUEST, "fault")));
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(r.error.code, ErrorCode.INVALID_REQUEST);
  });

  it("turns any other rejection into an INTERNAL transport failure", async () => {
    const { transport, client } = setup();
    const pending = conformance.ping(client);
    const [call] = await transport.waitForCalls(1);
    call!.fail(new Error("EPIPE"));
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.equal(r.error.code, ErrorCode.INTERNAL);
    assert.match(r.error.msg, /EPIPE/);
  });

  it("turns a transport that throws synchronously into a failure", async () => {
    const transport = new FakeTransport();
    transport.call = () => {
      throw new Error("boom");
    };
    const client = new Client(transport, { onWarning: () => {} });
    const r = await conformance.ping(client);
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
  });
});

describe("deadlines", () => {
  it("resolves with REQUEST_TIMEOUT when the per-call deadline passes, passes it on and aborts the transport call", async () => {
    const { transport, client } = setup();
    const pending = conformance.sleep(client, { millis: 10_000 }, { timeoutMs: 5 });
    const [call] = await transport.waitForCalls(1);
    assert.equal(call!.options.timeoutMs, 5);
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "client");
    assert.equal(r.error.code, ErrorCode.REQUEST_TIMEOUT);
    assert.equal(r.error.category, ErrorCategory.DEADLINE_EXCEEDED);
    assert.ok(call!.options.signal.aborted);
    // The late answer changes nothing.
    call!.answer({ code: 0, payload: new Uint8Array() });
    assert.equal((await pending).ok, false);
  });

  it("applies the client's default deadline to a call that gives none, without sending it", async () => {
    const { transport, client } = setup({ defaultTimeoutMs: 5 });
    const pending = conformance.ping(client);
    const [call] = await transport.waitForCalls(1);
    assert.equal(call!.options.timeoutMs, undefined);
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.REQUEST_TIMEOUT);
  });

  for (const timeoutMs of [0, -5, 1.5, Number.NaN, 2 ** 31]) {
    it(`rejects timeoutMs ${timeoutMs} with INVALID_PARAMS`, async () => {
      const { transport, client } = setup();
      const r = await conformance.ping(client, { timeoutMs });
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.INVALID_PARAMS);
      assert.equal(transport.calls.length, 0);
    });
  }

  it("refuses an invalid default deadline at construction", () => {
    assert.throws(() => new Client(new FakeTransport(), { defaultTimeoutMs: 0 }), RangeError);
  });
});

describe("cancellation", () => {
  it("resolves with CANCELLED when the signal aborts and aborts the transport call", async () => {
    const { transport, client } = setup();
    const controller = new AbortController();
    const pending = conformance.sleep(client, { millis: 1000 }, { signal: controller.signal });
    const [call] = await transport.waitForCalls(1);
    controller.abort();
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.origin, "client");
    assert.equal(r.error.code, ErrorCode.CANCELLED);
    assert.equal(r.error.category, ErrorCategory.CANCELLED);
    assert.ok(call!.options.signal.aborted);
    call!.answer({ code: 0, payload: new Uint8Array() });
    assert.equal((await pending).ok, false);
  });

  it("does not send a call whose signal is already aborted", async () => {
    const { transport, client } = setup();
    const r = await conformance.ping(client, { signal: AbortSignal.abort() });
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.CANCELLED);
    assert.equal(transport.calls.length, 0);
  });

  it("ignores an abort after the answer", async () => {
    const { transport, client } = setup();
    const controller = new AbortController();
    const pending = user.getUserProfile(client, { signal: controller.signal });
    const [call] = await transport.waitForCalls(1);
    call!.answer({ code: 0, payload: profileBytes });
    const r = await pending;
    controller.abort();
    assert.ok(r.ok);
    assert.equal(call!.options.signal.aborted, false);
  });
});

describe("notifications", () => {
  const snapshot = (id: string) =>
    toBinary(
      DocumentSnapshotPBSchema,
      create(DocumentSnapshotPBSchema, { documentId: id, revision: 3n }),
    );

  function subscribeAllTyOne(client: Client) {
    const got: string[] = [];
    user.onUserSignedIn(client, (n) => got.push(`user:${n.id}`));
    document.onDocumentUpdated(client, (n) => got.push(`document:${n.id}`));
    conformance.onTick(client, (n) => got.push(`conformance:${n.id}`));
    return got;
  }

  it("routes by (source, ty): ty 1 of three sources reaches three different listeners", () => {
    const { transport, client } = setup();
    const got = subscribeAllTyOne(client);
    transport.notify({
      source: "document",
      ty: 1,
      id: "d1",
      payloadOneof: { case: "payload", value: snapshot("d1") },
    });
    transport.notify({
      source: "user",
      ty: 1,
      id: "7",
      payloadOneof: { case: "payload", value: profileBytes },
    });
    transport.notify({
      source: "conformance",
      ty: 1,
      id: "c",
      payloadOneof: { case: "payload", value: new Uint8Array() },
    });
    transport.notify({
      source: "user",
      ty: 2,
      id: "7",
      payloadOneof: { case: "payload", value: profileBytes },
    });
    transport.notify({
      source: "nobody",
      ty: 1,
      id: "x",
      payloadOneof: { case: "payload", value: new Uint8Array() },
    });
    assert.deepEqual(got, ["document:d1", "user:7", "conformance:c"]);
  });

  it("decodes the payload with the notification's type and passes id and seq", () => {
    const { transport, client } = setup();
    const got: Notification<DocumentSnapshotPB>[] = [];
    document.onDocumentUpdated(client, (n) => got.push(n));
    transport.notify({
      source: "document",
      ty: 1,
      id: "d1",
      seq: 18_446_744_073_709_551_615n,
      payloadOneof: { case: "payload", value: snapshot("d1") },
    });
    assert.equal(got.length, 1);
    const n = got[0]!;
    assert.ok(n.ok);
    assert.equal(n.value.documentId, "d1");
    assert.equal(n.value.revision, 3n);
    assert.equal(n.seq, 18_446_744_073_709_551_615n);
    assert.equal(n.source, "document");
    assert.equal(n.ty, 1);
  });

  it("filters on id when asked", () => {
    const { transport, client } = setup();
    const got: string[] = [];
    document.onDocumentUpdated(client, (n) => got.push(`only-a:${n.id}`), { id: "a" });
    document.onDocumentUpdated(client, (n) => got.push(`all:${n.id}`));
    for (const id of ["a", "b", ""]) {
      transport.notify({
        source: "document",
        ty: 1,
        id,
        payloadOneof: { case: "payload", value: snapshot(id) },
      });
    }
    assert.deepEqual(got, ["only-a:a", "all:a", "all:b", "all:"]);
  });

  it("delivers the error arm as a failure with the decoded FlowyError", () => {
    const { transport, client } = setup();
    const got: Notification<TickPB>[] = [];
    conformance.onTick(client, (n) => got.push(n));
    transport.notify({
      source: "conformance",
      ty: 1,
      id: "r",
      errorOneof: { case: "error", value: errorBytes(ErrorCode.INTERNAL, "tick 0") },
    });
    assert.equal(got.length, 1);
    const n = got[0]!;
    assert.ok(!n.ok);
    assert.equal(n.origin, "backend");
    assert.equal(n.error.code, ErrorCode.INTERNAL);
    assert.equal(n.error.msg, "tick 0");
  });

  it("reports and drops a notification with both payload and error, or neither", () => {
    const { transport, client, warnings } = setup();
    const got = subscribeAllTyOne(client);
    transport.notify({
      source: "user",
      ty: 1,
      id: "1",
      payloadOneof: { case: "payload", value: profileBytes },
      errorOneof: { case: "error", value: errorBytes(ErrorCode.INTERNAL) },
    });
    transport.notify({ source: "user", ty: 1, id: "2" });
    assert.deepEqual(got, []);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /both/);
    assert.match(warnings[1]!, /neither/);
  });

  it("reports and drops a payload that does not decode", () => {
    const { transport, client, warnings } = setup();
    const got = subscribeAllTyOne(client);
    transport.notify({
      source: "user",
      ty: 1,
      id: "1",
      payloadOneof: { case: "payload", value: new Uint8Array([0x12, 0x09]) },
    }); // email: 9 bytes announced, none sent
    assert.deepEqual(got, []);
    assert.equal(warnings.length, 1);
  });

  it("tells onMalformedNotification why each malformed notification reached no one", () => {
    const transport = new FakeTransport();
    const reports: MalformedNotification[] = [];
    const client = new Client(transport, {
      onMalformedNotification: (r) => reports.push(r),
      onWarning: () => assert.fail("not a warning"),
    });
    const got = subscribeAllTyOne(client);
    transport.notifyBytes(new Uint8Array([0x0a, 0x05, 0x75])); // source: 5 bytes announced, 1 sent
    transport.notify({
      source: "user",
      ty: 1,
      id: "1",
      payloadOneof: { case: "payload", value: profileBytes },
      errorOneof: { case: "error", value: errorBytes(ErrorCode.INTERNAL) },
    });
    transport.notify({ source: "user", ty: 1, id: "2" });
    transport.notify({
      source: "user",
      ty: 1,
      id: "3",
      payloadOneof: { case: "payload", value: new Uint8Array([0x12, 0x09]) },
    });
    transport.notify({
      source: "user",
      ty: 1,
      id: "4",
      errorOneof: { case: "error", value: new Uint8Array([0x12, 0x09]) },
    });
    // Not malformed: a payload of a kind the client does not know is not judged (REQ-NOTIF-11).
    transport.notify({
      source: "newer",
      ty: 9,
      id: "5",
      payloadOneof: { case: "payload", value: new Uint8Array([0xff]) },
    });
    // Malformed although nobody listens to (user, 2): an error is judged before routing (REQ-NOTIF-16).
    transport.notify({
      source: "user",
      ty: 2,
      id: "6",
      errorOneof: { case: "error", value: new Uint8Array([0x12, 0x09]) },
    });
    assert.deepEqual(got, []);
    assert.deepEqual(
      reports.map((r) => [r.reason, r.notification?.id]),
      [
        ["undecodable", undefined],
        ["both", "1"],
        ["neither", "2"],
        ["payload", "3"],
        ["error", "4"],
        ["error", "6"],
      ],
    );
  });

  it("judges the payload of a declared kind nobody listens to, given the tables' kinds (REQ-NOTIF-16)", () => {
    const transport = new FakeTransport();
    const reports: MalformedNotification[] = [];
    const client = new Client(transport, {
      notifications: [...user.notifications],
      onMalformedNotification: (r) => reports.push(r),
    });
    const bad = {
      source: "user",
      ty: 1,
      id: "7",
      payloadOneof: { case: "payload" as const, value: new Uint8Array([0x12, 0x09]) },
    };
    transport.notify(bad);
    assert.deepEqual(
      reports.map((r) => [r.reason, r.notification?.id]),
      [["payload", "7"]],
    );
    // Without the kinds, the client knows only those it has listeners for.
    const quiet: MalformedNotification[] = [];
    const other = new FakeTransport();
    new Client(other, { onMalformedNotification: (r) => quiet.push(r) });
    other.notify(bad);
    assert.deepEqual(quiet, []);
    void client;
  });

  it("decodes a notification that arrives as bytes and routes it like a decoded one", () => {
    const { transport, client } = setup();
    const got = subscribeAllTyOne(client);
    transport.notifyBytes(
      toBinary(
        SubscribeObjectSchema,
        create(SubscribeObjectSchema, {
          source: "user",
          ty: 1,
          id: "7",
          payloadOneof: { case: "payload", value: profileBytes },
        }),
      ),
    );
    assert.deepEqual(got, ["user:7"]);
  });

  it("keeps delivering to other listeners when one throws", () => {
    const { transport, client, warnings } = setup();
    const got: string[] = [];
    user.onUserSignedIn(client, () => {
      throw new Error("listener bug");
    });
    user.onUserSignedIn(client, (n) => got.push(n.id));
    transport.notify({
      source: "user",
      ty: 1,
      id: "5",
      payloadOneof: { case: "payload", value: profileBytes },
    });
    assert.deepEqual(got, ["5"]);
    assert.equal(warnings.length, 1);
  });

  it("stops delivering after unsubscribe or abort", () => {
    const { transport, client } = setup();
    const got: string[] = [];
    const stop = user.onUserSignedIn(client, (n) => got.push(`a${n.id}`));
    const controller = new AbortController();
    user.onUserSignedIn(client, (n) => got.push(`b${n.id}`), { signal: controller.signal });
    const emit = (id: string) =>
      transport.notify({
        source: "user",
        ty: 1,
        id,
        payloadOneof: { case: "payload", value: profileBytes },
      });
    emit("1");
    stop();
    stop();
    emit("2");
    controller.abort();
    emit("3");
    assert.deepEqual(got, ["a1", "b1", "b2"]);
  });

  it("gives the typed value to a typed handler", () => {
    const { transport, client } = setup();
    let seen: UserProfilePB | undefined;
    user.onProfileUpdated(client, (n) => {
      if (n.ok) seen = n.value;
    });
    transport.notify({
      source: "user",
      ty: 2,
      id: "9",
      payloadOneof: { case: "payload", value: profileBytes },
    });
    assert.equal(seen?.email, "a@b.co");
  });

  it("stops listening and closes the transport on close()", async () => {
    const { transport, client } = setup();
    await client.close();
    assert.equal(transport.listeners.size, 0);
    assert.ok(transport.closed);
  });
});

describe("generated descriptors", () => {
  it("carry the tables' names, sources, ty numbers, errors and deadlines", () => {
    assert.deepEqual(
      user.events.map((e) => e.name),
      ["SignIn", "GetUserProfile", "UpdateUserProfile", "SignOut"],
    );
    assert.deepEqual(
      [
        user.UserSignedInNotification,
        document.DocumentUpdatedNotification,
        conformance.TickNotification,
      ].map((n) => [n.source, n.ty]),
      [
        ["user", 1],
        ["document", 1],
        ["conformance", 1],
      ],
    );
    assert.deepEqual(user.SignInEvent.errors, [
      SampleErrorCode.EMAIL_FORMAT_INVALID,
      SampleErrorCode.PASSWORD_IS_EMPTY,
    ]);
    assert.equal(conformance.RaiseErrorEvent.errors, "any");
    assert.equal(conformance.SleepEvent.timeoutMs, 200);
    assert.equal(conformance.PingEvent.input, undefined);
    assert.equal(document.ApplyEditEvent.output, undefined);
  });
});

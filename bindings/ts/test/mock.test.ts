// The runtime's MockBackend, through the repository schema's generated `createMockBackend()`:
// the paths a front-end test relies on, answered through the same bytes as a real backend.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createClient,
  ErrorCategory,
  ErrorCode,
  MockError,
  mockError,
  type Notification,
} from "@eventwire/client";
import { conformance, createMockBackend, notifications } from "../conformance/gen/events/index.js";
import type { TickPB } from "../conformance/gen/eventwire/v1/conformance_pb.js";

describe("MockBackend", () => {
  it("decodes the input the client encoded and encodes the handler's answer", async () => {
    const mock = createMockBackend();
    mock.handle(conformance.EchoEvent, (input) => ({
      fString: input.fString.toUpperCase(),
      fInt64: input.fInt64 + 1n,
    }));
    const client = createClient(mock.transport);
    const r = await conformance.echo(client, { fString: "hi", fInt64: 41n });
    assert.ok(r.ok);
    assert.equal(r.value.fString, "HI");
    assert.equal(r.value.fInt64, 42n);
    assert.deepEqual(
      mock.calls.map((c) => c.event),
      ["Echo"],
    );
    assert.equal((mock.calls[0]!.input as { fString: string }).fString, "hi");
  });

  it("answers UNKNOWN_EVENT without a handler, INTERNAL when a handler throws", async () => {
    const mock = createMockBackend();
    const client = createClient(mock.transport);
    const none = await conformance.ping(client);
    assert.ok(!none.ok);
    assert.equal(none.error.code, ErrorCode.UNKNOWN_EVENT);
    assert.equal(none.error.category, ErrorCategory.UNIMPLEMENTED);
    assert.match(none.error.msg, /Ping has no mock handler/);
    mock.handle(conformance.PingEvent, () => {
      throw new Error("boom");
    });
    const threw = await conformance.ping(client);
    assert.ok(!threw.ok);
    assert.equal(threw.error.code, ErrorCode.INTERNAL);
    assert.match(threw.error.msg, /boom/);
  });

  it("sends an error with the schema's category unless the handler gives one", async () => {
    const mock = createMockBackend();
    mock.handle(conformance.RaiseErrorEvent, (input) => mockError(input.code, "raised"));
    const client = createClient(mock.transport);
    const r = await conformance.raiseError(client, { code: ErrorCode.PERMISSION_DENIED });
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.PERMISSION_DENIED);
    assert.equal(r.error.category, ErrorCategory.PERMISSION_DENIED);
    mock.handle(
      conformance.RaiseErrorEvent,
      (input) => new MockError(input.code, "odd", ErrorCategory.UNAVAILABLE),
    );
    const odd = await conformance.raiseError(client, { code: 7777 as ErrorCode });
    assert.ok(!odd.ok);
    assert.equal(odd.error.code, 7777);
    assert.equal(odd.error.category, ErrorCategory.UNAVAILABLE);
  });

  it("emits payload and error notifications in order, filtered by id", async () => {
    const mock = createMockBackend();
    const client = createClient(mock.transport, { notifications });
    const got: Notification<TickPB>[] = [];
    conformance.onTick(client, (n) => got.push(n), { id: "a" });
    mock.emit(conformance.TickNotification, { index: 1 }, { id: "a" });
    mock.emit(conformance.TickNotification, { index: 2 }, { id: "b" });
    mock.emitError(conformance.TickNotification, mockError(ErrorCode.INTERNAL, "tick failed"), {
      id: "a",
    });
    assert.equal(got.length, 2);
    assert.ok(got[0]!.ok);
    assert.equal(got[0]!.value.index, 1);
    assert.equal(got[0]!.seq, 1n);
    assert.ok(!got[1]!.ok);
    assert.equal(got[1]!.error.msg, "tick failed");
    assert.equal(got[1]!.seq, 3n);
    await client.close();
    mock.emit(conformance.TickNotification, { index: 3 }, { id: "a" });
    assert.equal(got.length, 2, "a closed client hears nothing");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { SampleErrorCode } from "../conformance/gen/eventwire/v1/sample_errors_pb.js";
import {
  Client,
  ErrorCode,
  FFIRequestSchema,
  FFIResponseSchema,
  flowyError,
  FlowyErrorSchema,
  type ListenFn,
  SubscribeObjectSchema,
  TauriTransport,
} from "@eventwire/client";
import { conformance, user } from "../conformance/gen/events/index.js";
import { AllTypesPBSchema } from "../conformance/gen/eventwire/v1/conformance_pb.js";
import { UserProfilePBSchema } from "../conformance/gen/eventwire/v1/user_pb.js";

const every = Uint8Array.from({ length: 256 }, (_, i) => i);

function json(reply: (cmd: string, args: unknown) => unknown) {
  const sent: Array<{ cmd: string; args: unknown }> = [];
  const transport = new TauriTransport({
    mode: "json",
    invoke: async (cmd, args) => {
      sent.push({ cmd, args });
      return reply(cmd, args);
    },
  });
  return { sent, client: new Client(transport, { onWarning: () => {} }) };
}

describe("Tauri JSON bridge", () => {
  it("sends {request: {ty, payload: number[]}} to invoke_request and decodes {code, payload}", async () => {
    const echoed = create(AllTypesPBSchema, {
      fBytes: every,
      fInt64: -(2n ** 63n),
      fUint64: 2n ** 64n - 1n,
    });
    const { sent, client } = json((_, args) => {
      const req = (args as { request: { ty: string; payload: number[] } }).request;
      return { code: 0, payload: req.payload };
    });
    const r = await conformance.echo(client, echoed);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.cmd, "invoke_request");
    const req = (sent[0]!.args as { request: { ty: string; payload: unknown } }).request;
    assert.deepEqual(Object.keys(sent[0]!.args as object), ["request"]);
    assert.equal(req.ty, "Echo");
    assert.ok(Array.isArray(req.payload));
    assert.deepEqual(req.payload, [...toBinary(AllTypesPBSchema, echoed)]);
    assert.ok(r.ok);
    assert.deepEqual(r.value.fBytes, every);
    assert.equal(r.value.fInt64, -(2n ** 63n));
    assert.equal(r.value.fUint64, 2n ** 64n - 1n);
  });

  it("turns code 1 into a backend failure", async () => {
    const { client } = json(() => ({
      code: 1,
      payload: [
        ...toBinary(
          FlowyErrorSchema,
          flowyError(SampleErrorCode.USER_NOT_SIGNED_IN as number, "no user"),
        ),
      ],
    }));
    const r = await user.getUserProfile(client);
    assert.ok(!r.ok);
    assert.equal(r.origin, "backend");
    assert.equal(r.error.code, SampleErrorCode.USER_NOT_SIGNED_IN);
  });

  const malformed: Array<[string, unknown]> = [
    ["a string", "ok"],
    ["null", null],
    ["no code", { payload: [] }],
    ["a fractional code", { code: 0.5, payload: [] }],
    ["a byte above 255", { code: 0, payload: [256] }],
    ["a negative byte", { code: 0, payload: [-1] }],
    ["a non-integer byte", { code: 0, payload: [1.5] }],
    ["a string payload", { code: 0, payload: "AAEC" }],
  ];
  for (const [what, reply] of malformed) {
    it(`turns an answer with ${what} into a transport failure`, async () => {
      const { client } = json(() => reply);
      const r = await conformance.ping(client);
      assert.ok(!r.ok);
      assert.equal(r.origin, "transport");
      assert.match(r.error.msg, /malformed answer/);
    });
  }

  it("turns a rejected invoke into a transport failure", async () => {
    const { client } = json(() => {
      throw new Error("command invoke_request not found");
    });
    const r = await conformance.ping(client);
    assert.ok(!r.ok);
    assert.equal(r.origin, "transport");
    assert.match(r.error.msg, /not found/);
  });
});

describe("Tauri JSON mode notifications", () => {
  it("listens once on the notification event and routes each SubscribeObject", async () => {
    let handler: ((e: { payload: unknown }) => void) | undefined;
    const listened: string[] = [];
    let unlistened = 0;
    const listen: ListenFn = async (event, h) => {
      listened.push(event);
      handler = h;
      return () => unlistened++;
    };
    const warnings: string[] = [];
    const client = new Client(
      new TauriTransport({ mode: "json", invoke: async () => ({}), listen }),
      { onWarning: (m) => warnings.push(m) },
    );
    const got: bigint[] = [];
    user.onUserSignedIn(client, (n) => n.ok && got.push(n.value.id));
    const obj = create(SubscribeObjectSchema, {
      source: "user",
      ty: 1,
      id: "5",
      payloadOneof: {
        case: "payload",
        value: toBinary(UserProfilePBSchema, create(UserProfilePBSchema, { id: 5n })),
      },
    });
    handler!({ payload: [...toBinary(SubscribeObjectSchema, obj)] });
    handler!({ payload: toBinary(SubscribeObjectSchema, obj) });
    handler!({ payload: { source: "user" } });
    assert.deepEqual(listened, ["eventwire://notification"]);
    assert.deepEqual(got, [5n, 5n]);
    assert.equal(warnings.length, 1);
    await client.close();
    assert.equal(unlistened, 1);
  });
});

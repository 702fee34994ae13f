// protobuf-es against byte examples written out in SPEC.md (section 9.6), an anchor independent of
// every encoder in this repository.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ErrorCategory,
  ErrorCode,
  flowyError,
  FlowyErrorSchema,
  SubscribeObjectSchema,
} from "@eventwire/client";
import { TickPBSchema } from "../conformance/gen/eventwire/v1/conformance_pb.js";

const hex = (s: string) => Uint8Array.from(s.split(" ").map((b) => Number.parseInt(b, 16)));

describe("SPEC.md notification examples", () => {
  const tick = toBinary(TickPBSchema, create(TickPBSchema, { index: 0, id: "r1" }));

  it("TickPB{index: 0, id: r1}", () => {
    assert.deepEqual(tick, hex("12 02 72 31"));
  });

  it("SubscribeObject with a payload and an id", () => {
    const bytes = hex(
      "0a 0b 63 6f 6e 66 6f 72 6d 61 6e 63 65 10 01 1a 02 72 31 22 04 12 02 72 31 30 01",
    );
    const n = create(SubscribeObjectSchema, {
      source: "conformance",
      ty: 1,
      id: "r1",
      payloadOneof: { case: "payload", value: tick },
      seq: 1n,
    });
    assert.deepEqual(toBinary(SubscribeObjectSchema, n), bytes);
    const back = fromBinary(SubscribeObjectSchema, bytes);
    assert.equal(back.payloadOneof.case, "payload");
    assert.equal(back.seq, 1n);
  });

  it("SubscribeObject with a set, empty payload", () => {
    const bytes = hex("0a 0b 63 6f 6e 66 6f 72 6d 61 6e 63 65 10 01 22 00 30 03");
    const n = create(SubscribeObjectSchema, {
      source: "conformance",
      ty: 1,
      payloadOneof: { case: "payload", value: new Uint8Array() },
      seq: 3n,
    });
    assert.deepEqual(toBinary(SubscribeObjectSchema, n), bytes);
    const back = fromBinary(SubscribeObjectSchema, bytes);
    assert.equal(back.payloadOneof.case, "payload", "an empty oneof member is still set");
    assert.equal(back.errorOneof.case, undefined);
  });

  it("SubscribeObject with an error", () => {
    const bytes = hex(
      "0a 0b 63 6f 6e 66 6f 72 6d 61 6e 63 65 10 01 2a 0a 12 06 74 69 63 6b 20 30 20 09 30 01",
    );
    const error = toBinary(FlowyErrorSchema, flowyError(ErrorCode.INTERNAL, "tick 0"));
    const n = create(SubscribeObjectSchema, {
      source: "conformance",
      ty: 1,
      errorOneof: { case: "error", value: error },
      seq: 1n,
    });
    assert.deepEqual(toBinary(SubscribeObjectSchema, n), bytes);
    const back = fromBinary(SubscribeObjectSchema, bytes);
    assert.equal(back.errorOneof.case, "error");
    const decoded = fromBinary(FlowyErrorSchema, back.errorOneof.value!);
    assert.equal(decoded.code, ErrorCode.INTERNAL);
    assert.equal(decoded.category, ErrorCategory.INTERNAL);
  });
});

// The canonicalising step: map entries in key order (REQ-ENC-4), everything else untouched.
// Expected bytes come from SPEC.md section 6.10 and from the reference encoder's own tests
// (conformance/src/canonical.rs), never from this code.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  create,
  createFileRegistry,
  type DescMessage,
  equals,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
} from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { canonicalize, FFIRequestSchema, toCanonicalBinary } from "@eventwire/client";
import { AllTypesPBSchema } from "../conformance/gen/eventwire/v1/conformance_pb.js";
import { file_eventwire_v1_conformance } from "../conformance/gen/eventwire/v1/conformance_pb.js";

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function bytes(h: string): Uint8Array {
  const s = h.replace(/\s+/g, "");
  return Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

function canonicalHex(json: JsonValue, schema: DescMessage = AllTypesPBSchema): string {
  return hex(toCanonicalBinary(schema, fromJson(schema, json)));
}

/** A message type that nests AllTypesPB singly, repeatedly, as map values, and itself. */
const Wrap = (() => {
  const { MESSAGE: TYPE_MESSAGE, INT64: TYPE_INT64 } = FieldDescriptorProto_Type;
  const { OPTIONAL: LABEL_OPTIONAL, REPEATED: LABEL_REPEATED } = FieldDescriptorProto_Label;
  const all = ".eventwire.v1.AllTypesPB";
  const file = create(FileDescriptorProtoSchema, {
    name: "test/wrap.proto",
    package: "test",
    syntax: "proto3",
    dependency: ["eventwire/v1/conformance.proto"],
    messageType: [
      {
        name: "Wrap",
        field: [
          {
            name: "one",
            jsonName: "one",
            number: 1,
            label: LABEL_OPTIONAL,
            type: TYPE_MESSAGE,
            typeName: all,
          },
          {
            name: "many",
            jsonName: "many",
            number: 2,
            label: LABEL_REPEATED,
            type: TYPE_MESSAGE,
            typeName: all,
          },
          {
            name: "by_key",
            jsonName: "byKey",
            number: 3,
            label: LABEL_REPEATED,
            type: TYPE_MESSAGE,
            typeName: ".test.Wrap.ByKeyEntry",
          },
          {
            name: "inner",
            jsonName: "inner",
            number: 4,
            label: LABEL_OPTIONAL,
            type: TYPE_MESSAGE,
            typeName: ".test.Wrap",
          },
        ],
        nestedType: [
          {
            name: "ByKeyEntry",
            options: { mapEntry: true },
            field: [
              { name: "key", jsonName: "key", number: 1, label: LABEL_OPTIONAL, type: TYPE_INT64 },
              {
                name: "value",
                jsonName: "value",
                number: 2,
                label: LABEL_OPTIONAL,
                type: TYPE_MESSAGE,
                typeName: all,
              },
            ],
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === "eventwire/v1/conformance.proto" ? file_eventwire_v1_conformance : undefined,
  );
  return registry.getMessage("test.Wrap")!;
})();

describe("canonical encoding", () => {
  it("orders signed keys numerically: SPEC.md 6.10, {m_int32_string: {1: a, -1: b}}", () => {
    assert.equal(
      canonicalHex({ mInt32String: { "1": "a", "-1": "b" } }),
      "fa010e08ffffffffffffffffff01120162" + "fa01050801120161",
    );
  });

  it("orders -1, 2, 5 whatever the input order (the reference encoder's test)", () => {
    assert.equal(
      canonicalHex({ mInt32String: { "5": "e", "-1": "m", "2": "b" } }),
      "fa010e08ffffffffffffffffff0112016d" + "fa01050802120162" + "fa01050805120165",
    );
  });

  it("plain protobuf-es puts integer-like keys first, which is why the step exists", () => {
    const m = fromJson(AllTypesPBSchema, { mInt32String: { "1": "a", "-1": "b" } });
    assert.equal(hex(toBinary(AllTypesPBSchema, m)).slice(0, 10), "fa01050801", "key 1 first");
  });

  it("orders uint64 keys numerically, beyond what JavaScript treats as array indexes", () => {
    const json = {
      mUint64Bytes: { "18446744073709551615": "AQ==", "4294967296": "Ag==", "5": "Aw==" },
    };
    assert.equal(
      canonicalHex(json),
      "8a0205" +
        "0805120103" +
        "8a0209" +
        "088080808010120102" +
        "8a020e" +
        "08ffffffffffffffffff01120101",
    );
  });

  it("orders string keys by UTF-8 bytes, not UTF-16 code units", () => {
    // U+FF61 is EF BD A1 in UTF-8 and U+1F600 is F0 9F 98 80: in UTF-16 the emoji (D83D ...) would come first.
    const json = { mStringInt32: { "\u{1F600}": 2, "\uFF61": 1, z: 3 } };
    assert.equal(
      canonicalHex(json),
      "f20105" + "0a017a1003" + "f20107" + "0a03efbda11001" + "f20108" + "0a04f09f98801002",
    );
  });

  it("writes false before true, leaving out the default key", () => {
    const json = { mBoolEnum: { true: "CONFORMANCE_ENUM_ONE", false: "CONFORMANCE_ENUM_TWO" } };
    assert.equal(canonicalHex(json), "9202021002" + "92020408011001");
  });

  it("leaves out a default value inside an entry, as the reference encoder does", () => {
    assert.equal(canonicalHex({ mStringInt32: { a: 0 } }), "f201030a0161");
    assert.equal(canonicalHex({ mStringNested: { k: {} } }), "8202030a016b");
  });

  it("returns the very bytes it was given for a type without maps", () => {
    const b = toBinary(
      FFIRequestSchema,
      create(FFIRequestSchema, { event: "Ping", payload: new Uint8Array([1, 2]) }),
    );
    assert.equal(canonicalize(FFIRequestSchema, b), b);
  });

  it("returns the very bytes it was given when the maps are already in order", () => {
    const b = bytes("f20105 0a0161 1001 f20105 0a0162 1002");
    assert.equal(canonicalize(AllTypesPBSchema, b), b);
  });

  it("moves later entries of a map to where its first entry was, and keeps every other byte", () => {
    // f_int32 = 1, entry "b", f_string = "x", entry "a", unknown field 65535 = 5.
    const input = bytes("1801 f20105 0a0162 1002 7201 78 f20105 0a0161 1001 f8ff1f05");
    assert.equal(
      hex(canonicalize(AllTypesPBSchema, input)),
      "1801" + "f201050a01611001" + "f201050a01621002" + "7201" + "78" + "f8ff1f05",
    );
  });

  it("sorts maps inside nested messages, repeated messages, map values and recursive types", () => {
    const unsorted = { mInt32String: { "2": "b", "-3": "c" } };
    const sorted = "fa010e08fdffffffffffffffff01120163" + "fa01050802120162";
    const json = {
      one: unsorted,
      many: [unsorted, {}],
      byKey: { "7": unsorted, "-7": { fInt32: 1 } },
      inner: { inner: { one: unsorted } },
    };
    const b = toCanonicalBinary(Wrap, fromJson(Wrap, json));
    /** A length-delimited record: tag byte, one-byte length, body. */
    const ld = (tag: string, body: string) =>
      `${tag}${(body.length / 2).toString(16).padStart(2, "0")}${body}`;
    const one = ld("0a", sorted);
    assert.equal(
      hex(b),
      one +
        ld("12", sorted) +
        "1200" +
        ld("1a", "08f9ffffffffffffffff01" + ld("12", "1801")) +
        ld("1a", "0807" + ld("12", sorted)) +
        ld("22", ld("22", one)),
    );
    assert.ok(equals(Wrap, fromBinary(Wrap, b), fromJson(Wrap, json)));
  });

  it("keeps the message, and is idempotent, for many random maps", () => {
    let seed = 20240601;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const m = create(AllTypesPBSchema);
      for (let i = random(6); i > 0; i--)
        m.mInt32String[random(2000) - 1000] = "v".repeat(random(3));
      for (let i = random(6); i > 0; i--)
        m.mStringInt32[String.fromCodePoint(random(0x10ffff - 0xe000) + 0xe000)] = random(3);
      for (let i = random(4); i > 0; i--)
        m.mUint64Bytes[String(BigInt(random(1000)) << BigInt(random(60)))] = new Uint8Array(
          random(2),
        );
      const b = toCanonicalBinary(AllTypesPBSchema, m);
      assert.ok(
        equals(AllTypesPBSchema, fromBinary(AllTypesPBSchema, b), m),
        `round ${round}: the same message`,
      );
      assert.equal(
        hex(canonicalize(AllTypesPBSchema, b)),
        hex(b),
        `round ${round}: canonical bytes stay as they are`,
      );
      const keys = [...Object.keys(m.mInt32String)].map(Number).sort((x, y) => x - y);
      const written = fromBinary(AllTypesPBSchema, b);
      assert.deepEqual(
        Object.keys(written.mInt32String)
          .map(Number)
          .sort((x, y) => x - y),
        keys,
      );
    }
  });

  it("refuses bytes that are not a valid encoding", () => {
    assert.throws(() => canonicalize(AllTypesPBSchema, bytes("f20105 0a01")));
  });
});

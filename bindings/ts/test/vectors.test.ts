// protobuf-es, with the binding's canonicalising step, as a third encoder for the golden vectors in
// ../../vectors/ (format: vectors/README.md): every case that pairs a message value (proto-JSON)
// with its bytes is encoded and decoded here, and the bytes and proto-JSON compared exactly. Cases about dispatch outcomes, rejections and raw wire
// records are the conformance runner's, not an encoder's, and are counted but not run here.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { parse } from "yaml";
import { type EventDesc, type NotificationDesc, toCanonicalBinary } from "@eventwire/client";
import {
  events as schemaEvents,
  notifications as schemaNotifications,
  registry,
} from "../conformance/gen/events/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "vectors");

const events = new Map<string, EventDesc>(schemaEvents.map((e) => [e.name, e]));
const notifications: readonly NotificationDesc[] = schemaNotifications;

/** The message kinds of case this file runs: a value and its bytes, both ways. */
const MESSAGE_KINDS = new Set(["encode", "request", "response", "notification"]);

interface Encoded {
  type: string;
  value: JsonValue;
  hex: string;
}

interface Case extends Partial<Encoded> {
  id: string;
  name: string;
  kind: string;
  event?: string;
  canonical_hex?: string;
  inner?: Encoded;
}

function bytes(hex: string): Uint8Array {
  const s = hex.trim();
  return s === ""
    ? new Uint8Array()
    : Uint8Array.from(s.split(/\s+/).map((b) => Number.parseInt(b, 16)));
}

function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
}

function schema(typeName: string): DescMessage {
  const s = registry.getMessage(typeName);
  assert.ok(s, `${typeName} is a message of the schema`);
  return s;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return yamlFiles(p);
      return name.endsWith(".yaml") ? [p] : [];
    })
    .sort();
}

/** value -> bytes must give `hex` exactly; `hex` -> value must give `value` as proto-JSON. */
function roundTrip(e: Encoded, id: string): void {
  const s = schema(e.type);
  const message = fromJson(s, e.value, { registry });
  const encoded = toCanonicalBinary(s, message);
  assert.equal(toHex(encoded), toHex(bytes(e.hex)), `${id}: encode ${e.type}`);
  assert.deepEqual(
    toJson(s, fromBinary(s, bytes(e.hex)), { registry }),
    e.value,
    `decode ${e.type}`,
  );
}

/** The generated descriptors must agree with the vectors on which type travels where. */
function checkTypes(c: Case): void {
  if (c.inner === undefined) return;
  if (c.kind === "request" && c.event !== undefined) {
    const e = events.get(c.event);
    if (e === undefined) return; // a vector about an unknown event name
    assert.equal(c.inner.type, e.input?.typeName, `input type of ${c.event}`);
  }
  if (
    c.kind === "response" &&
    c.event !== undefined &&
    c.value !== null &&
    typeof c.value === "object"
  ) {
    const e = events.get(c.event);
    const code = (c.value as { code?: unknown }).code;
    if (e === undefined) return;
    const ok = code === undefined || code === "FFI_STATUS_CODE_OK" || code === 0;
    assert.equal(
      c.inner.type,
      ok ? e.output?.typeName : "eventwire.v1.FlowyError",
      `answer type of ${c.event}`,
    );
  }
  if (c.kind === "notification" && c.value !== null && typeof c.value === "object") {
    const { source, ty, payload } = c.value as { source?: string; ty?: number; payload?: unknown };
    const n = notifications.find((d) => d.source === (source ?? "") && d.ty === (ty ?? 0));
    if (n !== undefined && payload !== undefined)
      assert.equal(c.inner.type, n.payload.typeName, `payload of ${source}/${ty}`);
  }
}

describe(
  "golden vectors (protobuf-es)",
  { skip: existsSync(root) ? undefined : "vectors/ is not in this tree" },
  () => {
    const files = existsSync(root) ? yamlFiles(root) : [];
    let run = 0;
    for (const file of files) {
      const doc = parse(readFileSync(file, "utf8")) as { cases?: Case[] };
      const cases = (doc.cases ?? []).filter(
        (c) => MESSAGE_KINDS.has(c.kind) || c.kind === "decode",
      );
      if (cases.length === 0) continue;
      describe(relative(root, file), () => {
        for (const c of cases) {
          run++;
          it(`${c.id} ${c.name}`, () => {
            assert.ok(
              c.type !== undefined && c.value !== undefined && c.hex !== undefined,
              "a message case has type, value and hex",
            );
            const s = schema(c.type);
            if (c.kind === "decode") {
              const decoded = fromBinary(s, bytes(c.hex));
              assert.deepEqual(toJson(s, decoded, { registry }), c.value, "decodes to the value");
              const canonical = bytes(c.canonical_hex ?? c.hex);
              // Unknown fields are kept by protobuf-es (the SHOULD of REQ-ENC: preserved, appended
              // after the known fields); the canonical form is that of a typed handler, without them.
              const reencoded = toCanonicalBinary(s, decoded, { writeUnknownFields: false });
              assert.equal(toHex(reencoded), toHex(canonical), "re-encodes canonically");
              const kept = toBinary(s, decoded);
              assert.deepEqual(
                fromBinary(s, kept).$unknown,
                decoded.$unknown,
                "unknown fields survive a round trip",
              );
            } else {
              roundTrip({ type: c.type, value: c.value, hex: c.hex }, c.id);
              if (c.inner !== undefined) roundTrip(c.inner, c.id);
              checkTypes(c);
            }
          });
        }
      });
    }
    it("found message cases to run", () => {
      assert.ok(run > 0, "vectors/ holds encode and decode cases");
    });
  },
);

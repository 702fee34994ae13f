// The canonical encoding of SPEC.md section 6, on top of protobuf-es.
//
// protobuf-es writes fields in ascending number order, packs what is packable, omits implicit
// defaults and appends unknown fields: canonical in every respect but one. Map entries come out
// in JavaScript property order, which puts integer-like keys (0 to 2^32-2) first, ascending, and
// every other key after them in insertion order; so a map with a negative or 64-bit integer key,
// or string keys inserted out of order, is not written in the key order REQ-ENC-4 requires.
//
// `canonicalize` repairs exactly that: it walks the encoded message with its descriptor, sorts the
// entries of every map field by key (recursively, into nested messages, list elements and map
// values), leaves out a key or value that is the default inside an entry (as prost does; both
// forms are allowed by REQ-ENC-4(c), and this one makes the bytes equal to the reference
// encoder's), and copies every other byte unchanged.

import {
  type BinaryWriteOptions,
  type DescField,
  type DescMessage,
  type MessageShape,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/**
 * `toBinary`, then `canonicalize`: the canonical encoding of `message` (with its unknown fields
 * after the known ones unless `options.writeUnknownFields` is false).
 */
export function toCanonicalBinary<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  options?: Partial<BinaryWriteOptions>,
): Uint8Array {
  return canonicalize(schema, toBinary(schema, message, options));
}

/**
 * Sorts the map entries in `bytes`, an encoding of a `schema` message, by key (REQ-ENC-4): integer
 * keys numerically in the signedness of their type, `false` before `true`, strings by their UTF-8
 * bytes (entries with equal keys, which no encoder writes, keep their order). Entries of one map
 * field are written together, where its first entry was, without a key or value that is the
 * default. Everything else is copied as it is. Returns `bytes` itself when nothing changes.
 *
 * Throws an `Error` if `bytes` is not a valid encoding.
 */
export function canonicalize(schema: DescMessage, bytes: Uint8Array): Uint8Array {
  if (!mayHoldMap(schema)) return bytes;
  const out = rewrite(schema, bytes);
  return out ?? bytes;
}

/** A record as it was read: its tag and value bytes, and the slice covering both. */
interface WireRecord {
  readonly fieldNo: number;
  readonly wireType: WireType;
  /** Tag and value, as read. */
  readonly raw: Uint8Array;
  /** For length-delimited records, the contents after the length prefix. */
  readonly body?: Uint8Array;
}

function readRecords(bytes: Uint8Array): WireRecord[] {
  const reader = new BinaryReader(bytes);
  const records: WireRecord[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    let body: Uint8Array | undefined;
    if (wireType === WireType.LengthDelimited) {
      body = reader.bytes(); // a view into `bytes`, bounds-checked
    } else if (wireType === WireType.EndGroup) {
      throw new Error(`end-group tag of field ${fieldNo} without a start-group tag`);
    } else {
      reader.skip(wireType, fieldNo);
    }
    records.push({ fieldNo, wireType, raw: bytes.subarray(start, reader.pos), body });
  }
  return records;
}

/**
 * The canonical form of `bytes` as a `schema` message, or `undefined` when it is already
 * canonical (so that nothing is copied for the common case).
 */
function rewrite(schema: DescMessage, bytes: Uint8Array): Uint8Array | undefined {
  const records = readRecords(bytes);
  const parts: Uint8Array[] = [];
  let changed = false;
  // Map fields already written, by field number: their entries all go where the first one was.
  const mapsDone = new Set<number>();
  for (const record of records) {
    const field = record.body === undefined ? undefined : fieldOf(schema, record.fieldNo);
    if (field === undefined || record.body === undefined) {
      parts.push(record.raw);
      continue;
    }
    if (field.fieldKind === "map") {
      if (mapsDone.has(field.number)) continue; // written with the first entry of its map
      mapsDone.add(field.number);
      const entries = records.filter((r) => r.fieldNo === field.number && r.body !== undefined);
      const sorted = sortEntries(field, entries);
      if (sorted.changed) changed = true;
      parts.push(...sorted.parts);
      continue;
    }
    const nested = messageOf(field);
    if (nested === undefined || !mayHoldMap(nested)) {
      parts.push(record.raw);
      continue;
    }
    const inner = rewrite(nested, record.body);
    if (inner === undefined) {
      parts.push(record.raw);
    } else {
      changed = true;
      parts.push(lengthDelimited(record.fieldNo, inner));
    }
  }
  if (!changed) return undefined;
  const out = concat(parts);
  return sameBytes(out, bytes) ? undefined : out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The entries of one map field, each in canonical form, sorted by key. */
function sortEntries(
  field: DescField & { fieldKind: "map" },
  entries: WireRecord[],
): { parts: Uint8Array[]; changed: boolean } {
  let changed = false;
  const valueType = field.mapKind === "message" ? field.message : undefined;
  const keyed = entries.map((entry, index) => {
    const body = entry.body!;
    let raw = entry.raw;
    const canonical = rewriteEntry(valueType, body);
    if (canonical !== undefined) {
      changed = true;
      raw = lengthDelimited(field.number, canonical);
    }
    return { key: readKey(field.mapKey, body), index, raw };
  });
  const sorted = [...keyed].sort((a, b) => compareKeys(a.key, b.key) || a.index - b.index);
  // Moved, or gathered from several places: `rewrite` compares the result with its input.
  if (sorted.some((e, i) => e.index !== i) || entries.length > 1) changed = true;
  return { parts: sorted.map((e) => e.raw), changed };
}

/**
 * One map entry in the form the reference encoder writes: the key and the value left out where
 * they are the default (REQ-ENC-4(c) leaves that open; protobuf-es writes them, prost omits them,
 * and following prost makes the bytes of both implementations identical), and a message value
 * made canonical. `undefined` if the entry already is in that form.
 */
function rewriteEntry(
  valueType: DescMessage | undefined,
  entry: Uint8Array,
): Uint8Array | undefined {
  let changed = false;
  const parts: Uint8Array[] = [];
  for (const r of readRecords(entry)) {
    let raw = r.raw;
    if (
      r.fieldNo === 2 &&
      valueType !== undefined &&
      r.body !== undefined &&
      mayHoldMap(valueType)
    ) {
      const inner = rewrite(valueType, r.body);
      if (inner !== undefined) {
        changed = true;
        raw = lengthDelimited(2, inner);
      }
    }
    if ((r.fieldNo === 1 || r.fieldNo === 2) && isDefault(raw)) {
      changed = true;
      continue;
    }
    parts.push(raw);
  }
  return changed ? concat(parts) : undefined;
}

/**
 * Whether a record (tag and value) holds the default of its type: a varint 0 (zero, false, the
 * first enum value), four or eight zero bytes, or a length-delimited value of length 0 (the empty
 * string, bytes, or message).
 */
function isDefault(record: Uint8Array): boolean {
  const reader = new BinaryReader(record);
  const [, wireType] = reader.tag();
  const value = record.subarray(reader.pos);
  switch (wireType) {
    case WireType.Varint:
    case WireType.LengthDelimited:
      // A varint holding 0 (the value itself, or the length), possibly over-long.
      return value.every(
        (b, i) => (b & 0x7f) === 0 && (i === value.length - 1) === ((b & 0x80) === 0),
      );
    case WireType.Bit32:
    case WireType.Bit64:
      return value.every((b) => b === 0);
    default:
      return false;
  }
}

type Key = bigint | Uint8Array;

/** The key (field 1) of a map entry; the last occurrence wins, an absent key is the default. */
function readKey(type: ScalarType, entry: Uint8Array): Key {
  let key: Key = type === ScalarType.STRING ? new Uint8Array(0) : 0n;
  const reader = new BinaryReader(entry);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo !== 1) {
      reader.skip(wireType, fieldNo);
      continue;
    }
    switch (type) {
      case ScalarType.STRING:
        key = reader.bytes();
        break;
      case ScalarType.BOOL:
        key = reader.bool() ? 1n : 0n;
        break;
      case ScalarType.INT32:
        key = BigInt(reader.int32());
        break;
      case ScalarType.SINT32:
        key = BigInt(reader.sint32());
        break;
      case ScalarType.SFIXED32:
        key = BigInt(reader.sfixed32());
        break;
      case ScalarType.UINT32:
        key = BigInt(reader.uint32());
        break;
      case ScalarType.FIXED32:
        key = BigInt(reader.fixed32());
        break;
      case ScalarType.INT64:
        key = BigInt(reader.int64());
        break;
      case ScalarType.SINT64:
        key = BigInt(reader.sint64());
        break;
      case ScalarType.SFIXED64:
        key = BigInt(reader.sfixed64());
        break;
      case ScalarType.UINT64:
        key = BigInt(reader.uint64());
        break;
      case ScalarType.FIXED64:
        key = BigInt(reader.fixed64());
        break;
      default:
        // Floating point and bytes cannot be map keys.
        throw new Error(`a map key of scalar type ${type}`);
    }
  }
  return key;
}

function compareKeys(a: Key, b: Key): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  }
  return 0; // keys of one map always have one type
}

/** The message type a length-delimited record of `field` holds, if any. */
function messageOf(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

const fieldsByNumber = new WeakMap<DescMessage, Map<number, DescField>>();

function fieldOf(schema: DescMessage, number: number): DescField | undefined {
  let fields = fieldsByNumber.get(schema);
  if (fields === undefined) {
    fields = new Map(schema.fields.map((f) => [f.number, f]));
    fieldsByNumber.set(schema, fields);
  }
  return fields.get(number);
}

const holdsMap = new WeakMap<DescMessage, boolean>();

/** Whether a message of this type can contain a map field, directly or in any nested message. */
function mayHoldMap(schema: DescMessage): boolean {
  let result = holdsMap.get(schema);
  if (result === undefined) {
    // Every type reachable from `schema` (recursive types included), then: does one have a map?
    const seen = new Set<DescMessage>();
    const stack = [schema];
    result = false;
    while (stack.length > 0 && !result) {
      const type = stack.pop()!;
      if (seen.has(type)) continue;
      seen.add(type);
      for (const field of type.fields) {
        if (field.fieldKind === "map") result = true;
        const nested = messageOf(field);
        if (nested !== undefined) stack.push(nested);
      }
    }
    holdsMap.set(schema, result);
  }
  return result;
}

function lengthDelimited(fieldNo: number, body: Uint8Array): Uint8Array {
  const head: number[] = [];
  varint((fieldNo << 3) | WireType.LengthDelimited, head);
  varint(body.length, head);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function varint(value: number, out: number[]): void {
  let v = value >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

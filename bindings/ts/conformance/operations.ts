// The binding-role operations of the conformance testee (conformance/INTERPRETING.md section 4),
// each performed through the code an application uses:
//
// - encode / round_trip: `toCanonicalBinary`, the encoder of every request the client sends;
// - build_request: `Client.call` over a loopback transport that encodes the envelope with
//   `encodeRequest`, as the stream and raw Tauri transports do;
// - interpret_response: `Client.call` over the same loopback, answering with the case's bytes read
//   by `decodeResponse`; the result the application would get is translated to the protocol's
//   outcome;
// - route_notifications: typed subscriptions (`Client.subscribe`) and the client's malformed-
//   notification channel.
//
// JSON is the testee protocol's notation for values; the client itself never reads JSON.

import { create, type DescMessage, fromBinary, fromJsonString, type JsonValue, toJson } from "@bufbuild/protobuf";
import {
  type CaseResult,
  type Delivery,
  DeliverySchema,
  FailureKind,
  FailureSchema,
  type Interpreted,
  InterpretedSchema,
  MalformedKind,
  MalformedSchema,
  type RouteNotificationsOp,
  RoutedSchema,
} from "./gen/eventwire/conformance/v1/testee_pb.js";
import {
  Client,
  decodeResponse,
  effectiveCategory,
  encodeRequest,
  ErrorCode,
  type EventDesc,
  type NotificationDesc,
  toCanonicalBinary,
  type Transport,
  type TransportListener,
  type WireRequest,
  type WireResponse,
} from "@eventwire/client";
import { events as schemaEvents, notifications as schemaNotifications, registry } from "./gen/events/index.js";

type Result = CaseResult["result"];

const events = new Map<string, EventDesc>(schemaEvents.map((e) => [e.name, e]));
const notifications: readonly NotificationDesc[] = schemaNotifications;

/** Every message type of the schema, by full name (generated). */
export { registry };

/**
 * Canonical proto-JSON text of a message. `JSON.stringify` prints -0 as `0`, which would lose the
 * sign a double keeps (SPEC.md REQ-ENC-6); negative zeros are printed as `-0` instead.
 */
function protoJson(schema: DescMessage, message: unknown): string {
  const marker = "\u0001eventwire-negative-zero\u0001";
  const mark = (v: JsonValue): JsonValue =>
    Object.is(v, -0) ? marker : Array.isArray(v) ? v.map(mark) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x as JsonValue)])) : v;
  const text = JSON.stringify(mark(toJson(schema, message as never, { registry })));
  return text.split(JSON.stringify(marker)).join("-0");
}

/** A full name, or a name in package `eventwire.v1`. */
function messageType(name: string): DescMessage | undefined {
  return registry.getMessage(name) ?? registry.getMessage(`eventwire.v1.${name}`);
}

function failure(kind: FailureKind, message: string): Result {
  return { case: "failure", value: create(FailureSchema, { kind, message }) };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function encode(typeName: string, json: string): Result {
  const schema = messageType(typeName);
  if (schema === undefined) return failure(FailureKind.UNKNOWN_TYPE, `no message type ${typeName}`);
  let message;
  try {
    message = fromJsonString(schema, json, { registry });
  } catch (e) {
    return failure(FailureKind.JSON, describe(e));
  }
  return { case: "data", value: toCanonicalBinary(schema, message) };
}

export function decode(typeName: string, data: Uint8Array): Result {
  const schema = messageType(typeName);
  if (schema === undefined) return failure(FailureKind.UNKNOWN_TYPE, `no message type ${typeName}`);
  try {
    return { case: "json", value: protoJson(schema, fromBinary(schema, data)) };
  } catch (e) {
    return failure(FailureKind.DECODE, describe(e));
  }
}

export function roundTrip(typeName: string, data: Uint8Array): Result {
  const schema = messageType(typeName);
  if (schema === undefined) return failure(FailureKind.UNKNOWN_TYPE, `no message type ${typeName}`);
  let message;
  try {
    message = fromBinary(schema, data);
  } catch (e) {
    return failure(FailureKind.DECODE, describe(e));
  }
  // protobuf-es keeps unknown fields in the order received and writes them after the known ones.
  return { case: "data", value: toCanonicalBinary(schema, message) };
}

/**
 * A transport that records the encoded `FFIRequest` of each call and answers with the bytes it
 * is given; notifications are pushed as encoded `SubscribeObject`s, as the Tauri bridge does.
 */
class Loopback implements Transport {
  readonly #listeners = new Set<TransportListener>();
  sent: Uint8Array | undefined;

  constructor(private readonly answer: Uint8Array = new Uint8Array()) {}

  async call(request: WireRequest): Promise<WireResponse> {
    this.sent = encodeRequest(request);
    return decodeResponse(this.answer);
  }

  listen(listener: TransportListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {}

  push(notification: Uint8Array): void {
    for (const l of [...this.#listeners]) l.onNotification(notification);
  }
}

export async function buildRequest(event: string, inputJson: string): Promise<Result> {
  const desc = events.get(event);
  if (desc === undefined) return failure(FailureKind.UNKNOWN_EVENT, `no event ${event}`);
  let input;
  try {
    input = parseInput(desc, inputJson);
  } catch (e) {
    return failure(FailureKind.JSON, describe(e));
  }
  const loopback = new Loopback();
  const client = new Client(loopback);
  const r = await client.call(desc, input as never);
  if (loopback.sent === undefined) {
    return failure(FailureKind.JSON, r.ok ? "nothing was sent" : `the input was not sent: ${r.error.msg}`);
  }
  return { case: "data", value: loopback.sent };
}

/** The input message of `desc` from proto-JSON; an event without input takes `{}` only. */
function parseInput(desc: EventDesc, json: string): unknown {
  if (desc.input !== undefined) return fromJsonString(desc.input, json, { registry });
  const value = JSON.parse(json) as JsonValue;
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length > 0) {
    throw new Error(`${desc.name} has no input; its input is {}`);
  }
  return undefined;
}

export async function interpretResponse(event: string, response: Uint8Array): Promise<Result> {
  const desc = events.get(event);
  if (desc === undefined) return failure(FailureKind.UNKNOWN_EVENT, `no event ${event}`);
  const client = new Client(new Loopback(response));
  const input = desc.input === undefined ? undefined : create(desc.input);
  const r = await client.call(desc, input as never);
  let outcome: Interpreted["outcome"];
  if (r.ok) {
    const json = desc.output === undefined ? "{}" : protoJson(desc.output, r.value);
    outcome = { case: "outputJson", value: json };
  } else if (r.origin === "backend") {
    // The category the application decides by is the effective one (REQ-ERR-9).
    outcome = { case: "error", value: { ...r.error, category: effectiveCategory(r.error) } };
  } else {
    // What the application sees for an answer it cannot use: the transport could not read the
    // envelope, or the client reports INTERNAL (error payload, REQ-ENV-8) or PROTOBUF_SERDE
    // (output, REQ-ENV-9).
    const kind =
      r.origin === "transport"
        ? MalformedKind.ENVELOPE
        : r.error.code === ErrorCode.INTERNAL
          ? MalformedKind.ERROR_PAYLOAD
          : r.error.code === ErrorCode.PROTOBUF_SERDE
            ? MalformedKind.OUTPUT
            : undefined;
    if (kind === undefined) return { case: "unsupported", value: `unexpected ${r.origin} failure: ${r.error.msg}` };
    outcome = { case: "malformed", value: create(MalformedSchema, { kind, message: r.error.msg }) };
  }
  return { case: "interpreted", value: create(InterpretedSchema, { outcome }) };
}

export function routeNotifications(op: RouteNotificationsOp): Result {
  const loopback = new Loopback();
  let current = 0;
  const malformed = new Set<number>();
  const deliveries: Delivery[] = [];
  const client = new Client(loopback, {
    notifications,
    onMalformedNotification: () => malformed.add(current),
    onWarning: (message) => process.stderr.write(`testee: ${message}\n`),
  });
  for (const listener of op.listeners) {
    // The client's listeners are typed: a (source, ty) the tables do not declare has none.
    const desc = notifications.find((n) => n.source === listener.source && n.ty === listener.ty);
    if (desc === undefined) continue;
    client.subscribe(
      desc,
      (n) => {
        const content: Delivery["content"] = n.ok
          ? { case: "payloadJson", value: protoJson(desc.payload, n.value) }
          : { case: "error", value: { ...n.error, category: effectiveCategory(n.error) } };
        deliveries.push(create(DeliverySchema, { listener: listener.listener, notification: current, content }));
      },
      { id: listener.id },
    );
  }
  op.notifications.forEach((bytes, index) => {
    current = index;
    loopback.push(bytes);
  });
  return {
    case: "routed",
    value: create(RoutedSchema, { deliveries, malformed: [...malformed].sort((a, b) => a - b) }),
  };
}

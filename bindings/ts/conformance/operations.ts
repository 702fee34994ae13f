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

import {
  create,
  type DescMessage,
  fromBinary,
  fromJsonString,
  type JsonValue,
  toJson,
} from "@bufbuild/protobuf";
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
  type HandshakeOutcome as HandshakeOutcomePb,
  HandshakeOutcomeKind,
  HandshakeOutcomeSchema,
  type StreamClientOp,
  StreamClientResultSchema,
} from "./gen/eventwire/conformance/v1/testee_pb.js";
import {
  Client,
  decodeResponse,
  effectiveCategory,
  encodeRequest,
  ErrorCode,
  type EventDesc,
  type HandshakeModule,
  type HandshakeOutcome,
  type NotificationDesc,
  schemaHandshake,
  type StreamHandshake,
  StreamFrameSchema,
  toCanonicalBinary,
  type Transport,
  type TransportListener,
  type WireRequest,
  type WireResponse,
} from "@eventwire/client";
import { encodeFrame, FrameDecoder, StreamTransport } from "@eventwire/client/node";
import { PassThrough, Writable } from "node:stream";
import {
  conformance,
  document,
  events as schemaEvents,
  notifications as schemaNotifications,
  registry,
  user,
} from "./gen/events/index.js";

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
    Object.is(v, -0)
      ? marker
      : Array.isArray(v)
        ? v.map(mark)
        : v !== null && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x as JsonValue)]))
          : v;
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
    return failure(
      FailureKind.JSON,
      r.ok ? "nothing was sent" : `the input was not sent: ${r.error.msg}`,
    );
  }
  return { case: "data", value: loopback.sent };
}

/** The input message of `desc` from proto-JSON; an event without input takes `{}` only. */
function parseInput(desc: EventDesc, json: string): unknown {
  if (desc.input !== undefined) return fromJsonString(desc.input, json, { registry });
  const value = JSON.parse(json) as JsonValue;
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    Object.keys(value).length > 0
  ) {
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
  const outcome = interpretedOutcome(desc, r);
  if (typeof outcome === "string") return { case: "unsupported", value: outcome };
  return { case: "interpreted", value: create(InterpretedSchema, { outcome }) };
}

/** What the application got from a call, as the testee protocol's `Interpreted` outcome. */
function interpretedOutcome(
  desc: EventDesc,
  r: Awaited<ReturnType<Client["call"]>>,
): Interpreted["outcome"] | string {
  if (r.ok) {
    const json = desc.output === undefined ? "{}" : protoJson(desc.output, r.value);
    return { case: "outputJson", value: json };
  }
  if (r.origin === "backend") {
    // The category the application decides by is the effective one (REQ-ERR-9).
    return { case: "error", value: { ...r.error, category: effectiveCategory(r.error) } };
  }
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
  if (kind === undefined) return `unexpected ${r.origin} failure: ${r.error.msg}`;
  return { case: "malformed", value: create(MalformedSchema, { kind, message: r.error.msg }) };
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
        deliveries.push(
          create(DeliverySchema, { listener: listener.listener, notification: current, content }),
        );
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

/** The modules of the project's schema, from which this binding is built (its handshake). */
const modules: readonly HandshakeModule[] = [
  { name: "conformance", events: conformance.events, notifications: conformance.notifications },
  { name: "document", events: document.events, notifications: document.notifications },
  { name: "user", events: user.events, notifications: user.notifications },
];

function outcomePb(own: StreamHandshake, o: HandshakeOutcome): HandshakeOutcomePb {
  switch (o.kind) {
    case "identical":
      return create(HandshakeOutcomeSchema, {
        kind: HandshakeOutcomeKind.IDENTICAL,
        frontEndVersion: own.protocolVersion,
      });
    case "compatible":
      return create(HandshakeOutcomeSchema, {
        kind: HandshakeOutcomeKind.COMPATIBLE,
        frontEndVersion: own.protocolVersion,
        missingEvents: [...o.missing],
      });
    case "no-handshake":
      return create(HandshakeOutcomeSchema, {
        kind: HandshakeOutcomeKind.NO_HANDSHAKE,
        frontEndVersion: own.protocolVersion,
      });
    case "incompatible":
      return create(HandshakeOutcomeSchema, {
        kind: HandshakeOutcomeKind.INCOMPATIBLE,
        frontEndVersion: o.frontEndVersion,
        backendVersion: o.backendVersion,
        event: o.event ?? "",
        module: o.module ?? "",
        frontEndModuleFingerprint: o.frontEndModuleFingerprint,
        backendModuleFingerprint: o.backendModuleFingerprint,
        frontEndEventFingerprint: o.frontEndEventFingerprint,
        backendEventFingerprint: o.backendEventFingerprint,
      });
  }
}

/**
 * A stream front end against a scripted backend (`stream_client`): the library's own
 * `StreamTransport` and `Client`, over in-memory streams. The transport writes its handshake,
 * reads the answer, and the calls go through `Client.call` as an application makes them.
 */
export async function streamClient(op: StreamClientOp): Promise<Result> {
  // The operation promises an answer holding a handshake or a fault with id 0; without one the
  // transport would wait for it forever.
  const answers = op.handshakeAnswer.some((body) => {
    try {
      const kind = fromBinary(StreamFrameSchema, body).kind;
      return kind.case === "handshake" || (kind.case === "fault" && kind.value.id === 0n);
    } catch {
      return false;
    }
  });
  if (!answers)
    return {
      case: "unsupported",
      value: "the handshake answer holds neither a handshake nor a fault with id 0",
    };

  const calls: { desc: EventDesc; input: unknown }[] = [];
  for (const [i, call] of op.calls.entries()) {
    const desc = events.get(call.event);
    if (desc === undefined)
      return { case: "unsupported", value: `call ${i}: no event ${call.event} in the schema` };
    try {
      calls.push({ desc, input: parseInput(desc, call.inputJson === "" ? "{}" : call.inputJson) });
    } catch (e) {
      return { case: "unsupported", value: `call ${i}: its input: ${describe(e)}` };
    }
  }

  const written: Uint8Array[] = [];
  const decoder = new FrameDecoder(64 * 1024 * 1024);
  const fromFrontEnd = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      written.push(...decoder.push(chunk));
      callback();
    },
  });
  const fromBackend = new PassThrough();
  const transport = new StreamTransport(fromBackend, fromFrontEnd);
  // The largest deadline: the calls complete by the scripted frames, never by a timer.
  const client = new Client(transport, {
    defaultTimeoutMs: 2_147_483_647,
    notifications,
    onWarning: () => {},
  });

  const own = await schemaHandshake(modules);
  const handshake = transport.handshake(own);
  for (const body of op.handshakeAnswer) fromBackend.write(encodeFrame(body));
  let outcome: HandshakeOutcome;
  try {
    outcome = await handshake;
  } catch (e) {
    return { case: "unsupported", value: `the handshake failed: ${describe(e)}` };
  }

  const results = calls.map(({ desc, input }) => client.call(desc, input as never));
  for (const body of op.frames) fromBackend.write(encodeFrame(body));
  fromBackend.end();
  const completed = await Promise.all(results);
  await new Promise<void>((resolve) => fromFrontEnd.end(resolve));

  const interpreted = [];
  for (const [i, r] of completed.entries()) {
    const desc = calls[i]!.desc;
    // A transport's failure (a fault, the end of the output, a call completed locally) is the
    // error the application gets.
    const o: Interpreted["outcome"] | string =
      !r.ok && r.origin === "transport"
        ? { case: "error", value: { ...r.error, category: effectiveCategory(r.error) } }
        : interpretedOutcome(desc, r);
    if (typeof o === "string") return { case: "unsupported", value: `call ${i}: ${o}` };
    interpreted.push(create(InterpretedSchema, { outcome: o }));
  }
  return {
    case: "streamClient",
    value: create(StreamClientResultSchema, {
      written,
      handshake: outcomePb(own, outcome),
      calls: interpreted,
    }),
  };
}

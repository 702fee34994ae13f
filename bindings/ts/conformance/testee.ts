// The conformance testee of @eventwire/client: plays the binding role of the Eventwire
// conformance suite (conformance/INTERPRETING.md) on stdin/stdout.
//
//   cargo run --release -p eventwire-conformance -- \
//       --testee "node --import tsx conformance/testee.ts" --role binding
//
// Frames in both directions: a u32 little-endian length, then one TesteeRequest (in) or
// TesteeResponse (out). One answer per request, in order; exit 0 at the end of stdin. Logs go to
// stderr only.

import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type Case,
  type CaseResult,
  CaseResultSchema,
  HandshakeResultSchema,
  Role,
  TesteeRequestSchema,
  type TesteeResponse,
  TesteeResponseSchema,
} from "./gen/eventwire/conformance/v1/testee_pb.js";
import { encodeFrame, FrameDecoder } from "@eventwire/client/node";
import {
  buildRequest,
  decode,
  encode,
  interpretResponse,
  roundTrip,
  routeNotifications,
  streamClient,
} from "./operations.js";

/** The testee protocol version this testee speaks. */
const PROTOCOL_VERSION = 1;
/** The runner refuses larger frames; so does this testee. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** What this binding provides (INTERPRETING.md section 5). */
export const FEATURES = ["preserve-unknown-fields", "notification-routing", "stream-client"];

const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

async function run(c: Case): Promise<CaseResult["result"]> {
  const op = c.op;
  switch (op.case) {
    case "encode":
      return encode(op.value.messageType, op.value.json);
    case "decode":
      return decode(op.value.messageType, op.value.data);
    case "roundTrip":
      return roundTrip(op.value.messageType, op.value.data);
    case "buildRequest":
      return buildRequest(op.value.event, op.value.inputJson);
    case "interpretResponse":
      return interpretResponse(op.value.event, op.value.response);
    case "routeNotifications":
      return routeNotifications(op.value);
    case "streamClient":
      return streamClient(op.value);
    case "dispatch":
      return {
        case: "unsupported",
        value: "@eventwire/client is a front end: it plays the binding role only",
      };
    default:
      return { case: "unsupported", value: "a case without an operation this testee knows" };
  }
}

async function answer(body: Uint8Array): Promise<TesteeResponse["kind"]> {
  let request;
  try {
    request = fromBinary(TesteeRequestSchema, body);
  } catch (e) {
    return {
      case: "case",
      value: create(CaseResultSchema, {
        result: { case: "unsupported", value: `undecodable TesteeRequest: ${String(e)}` },
      }),
    };
  }
  if (request.kind.case === "handshake") {
    return {
      case: "handshake",
      value: create(HandshakeResultSchema, {
        protocolVersion: PROTOCOL_VERSION,
        implementationName: "@eventwire/client",
        implementationVersion: version,
        roles: [Role.BINDING],
        features: FEATURES,
      }),
    };
  }
  if (request.kind.case !== "case") {
    return {
      case: "case",
      value: create(CaseResultSchema, {
        result: { case: "unsupported", value: "an empty TesteeRequest" },
      }),
    };
  }
  let result: CaseResult["result"];
  try {
    result = await run(request.kind.value);
  } catch (e) {
    // A defect of the binding or the testee: reported as "could not run", without losing the run.
    process.stderr.write(
      `testee: ${request.kind.value.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    result = { case: "unsupported", value: `the testee failed: ${String(e)}` };
  }
  return { case: "case", value: create(CaseResultSchema, { result }) };
}

const decoder = new FrameDecoder(MAX_FRAME_BYTES);
let queue = Promise.resolve();

process.stdin.on("data", (chunk: Buffer) => {
  let bodies: Uint8Array[];
  try {
    bodies = decoder.push(chunk);
  } catch (e) {
    process.stderr.write(`testee: ${String(e)}\n`);
    process.exit(2);
  }
  for (const body of bodies) {
    // Strictly one answer per request, in order, even though some operations are asynchronous.
    queue = queue.then(async () => {
      const kind = await answer(body);
      process.stdout.write(
        encodeFrame(toBinary(TesteeResponseSchema, create(TesteeResponseSchema, { kind }))),
      );
    });
  }
});
process.stdin.on("end", () => {
  void queue.then(() => {
    if (decoder.pendingBytes > 0)
      process.stderr.write(`testee: stdin ended inside a frame (${decoder.pendingBytes} bytes)\n`);
  });
});

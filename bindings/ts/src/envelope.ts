// The envelopes on the wire: every transport that carries binary envelopes (the stream protocol,
// Tauri's raw command, the conformance testee) builds and reads them here, so that a request is
// encoded and a response is judged the same way whatever carries it.

import { create, fromBinary } from "@bufbuild/protobuf";
import { toCanonicalBinary } from "./canonical.js";
import { TransportError } from "./errors.js";
import { FFIRequestSchema, FFIResponseSchema } from "./gen/eventwire/v1/envelope_pb.js";
import type { WireRequest, WireResponse } from "./transport.js";

/** The encoded `FFIRequest` for `request`, canonical (REQ-ENV-1). */
export function encodeRequest(request: WireRequest): Uint8Array {
  return toCanonicalBinary(
    FFIRequestSchema,
    create(FFIRequestSchema, { event: request.event, payload: request.payload }),
  );
}

/**
 * Reads an encoded `FFIResponse`. The status is kept as received (2 and unknown numbers are errors
 * for the client to judge); zero bytes are status OK with an empty payload (REQ-ENV-7). Throws a
 * `TransportError` (`INTERNAL`) when the bytes are not an `FFIResponse`.
 */
export function decodeResponse(bytes: Uint8Array): WireResponse {
  let response;
  try {
    response = fromBinary(FFIResponseSchema, bytes);
  } catch (e) {
    throw TransportError.internal(
      `the answer is not an FFIResponse: ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
  return { code: response.code, payload: response.payload };
}

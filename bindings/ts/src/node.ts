// @eventwire/client/node: transports that need Node.js (child processes, streams).

export {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FrameDecoder,
  FrameTooLargeError,
} from "./framing.js";
export { HostTransport, spawnHost } from "./transports/host.js";
export type { HostOptions } from "./transports/host.js";
export { StreamTransport } from "./transports/stream.js";
export type { StreamTransportOptions } from "./transports/stream.js";

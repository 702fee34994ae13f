// The protocol's own `.proto` files (package `eventwire.v1`), which this package ships: a
// schema's generated registry starts from them.

import type { DescFile } from "@bufbuild/protobuf";
import { file_eventwire_v1_envelope } from "./gen/eventwire/v1/envelope_pb.js";
import { file_eventwire_v1_errors } from "./gen/eventwire/v1/errors_pb.js";
import { file_eventwire_v1_notification } from "./gen/eventwire/v1/notification_pb.js";
import { file_eventwire_v1_stream } from "./gen/eventwire/v1/stream_pb.js";

/** Every file of the protocol, in dependency order. */
export const protocolFiles: readonly DescFile[] = [
  file_eventwire_v1_errors,
  file_eventwire_v1_envelope,
  file_eventwire_v1_notification,
  file_eventwire_v1_stream,
];

/// The binding-role conformance testee (schema/proto/eventwire/conformance/v1/testee.proto).
///
/// The runner writes length-prefixed `TesteeRequest`s to stdin and reads one `TesteeResponse`
/// per request from stdout. Every operation goes through the package's own code paths: the
/// schema's generated tables (conformance/gen, generated as an app's would be), `encodeRequest`, `interpretEnvelope`, `decodeNotification` and
/// `EventwireNotification.matches`.
///
///     cargo run --release -p eventwire-conformance -- \
///       --testee "dart run bin/conformance_testee.dart" --role binding
library;

import 'dart:async';
import 'dart:io';
import 'dart:typed_data';

import 'package:eventwire/eventwire.dart';
import 'package:eventwire/src/frame_codec.dart';

import '../conformance/gen/proto/eventwire/conformance/v1/testee.pb.dart';
import '../conformance/operations.dart';

Future<void> main() async {
  // Test inputs can be large; the runner never sends a frame above 64 MiB.
  final decoder = FrameDecoder(maxFrameBytes: 64 * 1024 * 1024);
  final out = stdout;
  await for (final chunk in stdin) {
    switch (decoder.add(chunk)) {
      case Ok(value: final frames):
        for (final frame in frames) {
          final response = answer(frame);
          out.add(encodeFrame(response.writeToBuffer()));
        }
        await out.flush();
      case Err(:final error):
        stderr.writeln('conformance_testee: ${error.msg}');
        exitCode = 2;
        return;
    }
  }
  if (decoder.pendingBytes != 0) {
    stderr.writeln('conformance_testee: stdin ended inside a frame');
    exitCode = 2;
  }
}

/// The response to one encoded `TesteeRequest`.
TesteeResponse answer(Uint8List frame) {
  final TesteeRequest request;
  try {
    request = TesteeRequest.fromBuffer(frame);
  } catch (e) {
    // The protocol has no error frame: answer with a case result the runner reports.
    return caseResponse(CaseResult(unsupported: 'undecodable TesteeRequest: $e'));
  }
  if (request.hasHandshake()) {
    return TesteeResponse(handshake: handshake(request.handshake));
  }
  if (request.hasField(caseFieldNumber)) {
    return caseResponse(runCase(request.getField(caseFieldNumber) as Case));
  }
  return caseResponse(CaseResult(unsupported: 'empty TesteeRequest'));
}

import 'dart:async';
import 'dart:io';
import 'dart:typed_data';

import 'package:fixnum/fixnum.dart';

import 'cancel_token.dart';
import 'errors.dart';
import 'frame_codec.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'gen/proto/eventwire/v1/stream.pb.dart';
import 'pending_calls.dart';
import 'result.dart';
import 'transport.dart';

/// The default bound on a call made without a deadline: the backend's default deadline is 30 s,
/// so a backend that is alive answers well before this.
const Duration defaultFallbackTimeout = Duration(seconds: 120);

/// The stream transport (SPEC.md section 13.3) over any pair of byte streams: frames of
/// `StreamFrame`, each a 4-byte little-endian length and the encoded frame.
///
/// Requests are pipelined: each carries an id, answers arrive in any order. Notifications and
/// responses share the one input stream, so they reach the caller in the backend's order.
final class StreamTransport implements Transport {
  /// A transport reading frames from [input] and writing frames to [output].
  ///
  /// [onClosed] runs once after the input has ended (for example, to reap a process).
  StreamTransport(
    Stream<List<int>> input,
    StreamSink<List<int>> output, {
    int maxFrameBytes = defaultMaxFrameBytes,
    Duration fallbackTimeout = defaultFallbackTimeout,
    Future<void> Function()? onClosed,
  })  : _output = output,
        _decoder = FrameDecoder(maxFrameBytes: maxFrameBytes),
        _onClosed = onClosed {
    _calls = PendingCalls(
        fallbackTimeout: fallbackTimeout, sendCancel: _sendCancel);
    _input = input.listen(
      _onBytes,
      onError: (Object e) => _shutDown(transportFailure('read failed: $e')),
      onDone: () => _shutDown(transportFailure('the backend closed the stream')),
      cancelOnError: true,
    );
    // A write to a stream whose reader is gone fails asynchronously, through `done`.
    output.done.then<void>(
      (_) {},
      onError: (Object e) => _shutDown(transportFailure('write failed: $e')),
    );
  }

  final StreamSink<List<int>> _output;
  final FrameDecoder _decoder;
  final Future<void> Function()? _onClosed;
  late final PendingCalls _calls;
  late final StreamSubscription<List<int>> _input;
  final StreamController<Uint8List> _notifications =
      StreamController<Uint8List>.broadcast();
  final StreamController<FlowyError> _faults =
      StreamController<FlowyError>.broadcast();
  bool _outputClosed = false;
  final Completer<void> _inputEnded = Completer<void>();

  @override
  Stream<Uint8List> get notifications => _notifications.stream;

  /// Faults the backend reported that concern no pending call (SPEC.md 13.3), for logs.
  Stream<FlowyError> get faults => _faults.stream;

  @override
  Future<Result<Uint8List, FlowyError>> call(
    Uint8List request, {
    Duration? timeout,
    CancelToken? cancel,
  }) =>
      _calls.start(
        timeout: timeout,
        cancel: cancel,
        send: (id, timeoutMs) => _write(StreamFrame(
          request: StreamRequest(
            id: Int64(id),
            request: request,
            timeoutMs: timeoutMs,
          ),
        )),
      );

  void _sendCancel(int id) {
    _write(StreamFrame(cancel: StreamCancel(id: Int64(id))));
  }

  Result<void, FlowyError> _write(StreamFrame frame) {
    if (_outputClosed) {
      return Err(transportFailure('the stream to the backend is closed'));
    }
    try {
      _output.add(encodeFrame(frame.writeToBuffer()));
      return const Ok<void, FlowyError>(null);
    } catch (e) {
      return Err(transportFailure('write failed: $e'));
    }
  }

  void _onBytes(List<int> chunk) {
    switch (_decoder.add(chunk)) {
      case Ok(value: final frames):
        for (final frame in frames) {
          _onFrame(frame);
        }
      case Err(:final error):
        // The stream cannot be resynchronised after an oversized length prefix.
        _shutDown(error);
        unawaited(_input.cancel());
    }
  }

  void _onFrame(Uint8List bytes) {
    final StreamFrame frame;
    try {
      frame = StreamFrame.fromBuffer(bytes);
    } catch (e) {
      _faults.add(transportFailure('a frame from the backend does not decode: $e'));
      return;
    }
    if (frame.hasResponse()) {
      _calls.complete(frame.response.id.toInt(),
          Ok(Uint8List.fromList(frame.response.response)));
    } else if (frame.hasNotification()) {
      _notifications.add(frame.notification.writeToBuffer());
    } else if (frame.hasFault()) {
      _onFault(frame.fault);
    } else {
      _faults.add(transportFailure('unexpected frame from the backend: $frame'));
    }
  }

  void _onFault(StreamFault fault) {
    FlowyError error;
    try {
      error = FlowyError.fromBuffer(fault.error);
    } catch (e) {
      error = transportFailure('fault without a valid FlowyError: $e');
    }
    final id = fault.id.toInt();
    final matched = id != 0 && _calls.complete(id, Err(error));
    if (!matched) _faults.add(error);
    if (fault.closing) _shutDown(error);
  }

  void _shutDown(FlowyError error) {
    _calls.close(error);
    if (!_inputEnded.isCompleted) {
      _inputEnded.complete();
      final onClosed = _onClosed;
      if (onClosed != null) unawaited(onClosed());
    }
  }

  /// Ends the output (the backend then answers what is in flight and exits), waits up to
  /// [grace] for the answers, then ends every call still pending with a transport error.
  @override
  Future<void> close({Duration grace = const Duration(seconds: 5)}) async {
    if (!_outputClosed) {
      _outputClosed = true;
      try {
        await _output.close().timeout(grace);
      } catch (_) {
        // Already failed or closed: pending calls are ended below.
      }
    }
    if (_calls.length > 0) {
      await _inputEnded.future.timeout(grace, onTimeout: () {});
    }
    _shutDown(transportFailure('the transport was closed'));
    await _input.cancel();
    await _notifications.close();
    await _faults.close();
  }
}

/// The stream transport over the standard input and output of a backend process, such as
/// `eventwire-host --stdio`.
abstract final class StdioTransport {
  /// Starts [executable] with [arguments] and connects to its stdin and stdout.
  ///
  /// The process's stderr is passed through to [stderrSink] when given, else drained.
  static Future<Result<StreamTransport, FlowyError>> spawn(
    String executable, {
    List<String> arguments = const <String>['--stdio'],
    String? workingDirectory,
    Map<String, String>? environment,
    int maxFrameBytes = defaultMaxFrameBytes,
    Duration fallbackTimeout = defaultFallbackTimeout,
    IOSink? stderrSink,
  }) async {
    final Process process;
    try {
      process = await Process.start(executable, arguments,
          workingDirectory: workingDirectory, environment: environment);
    } catch (e) {
      return Err(flowyError(ErrorCode.ERROR_CODE_BACKEND_NOT_READY,
          'cannot start $executable: $e'));
    }
    final sink = stderrSink;
    if (sink != null) {
      process.stderr.listen(sink.add, onError: (Object _) {});
    } else {
      process.stderr.listen((_) {}, onError: (Object _) {});
    }
    return Ok(StreamTransport(
      process.stdout,
      process.stdin,
      maxFrameBytes: maxFrameBytes,
      fallbackTimeout: fallbackTimeout,
      onClosed: () async {
        // Stdout has ended: the process is exiting. Reap it; kill it if it lingers.
        await process.exitCode.timeout(const Duration(seconds: 5), onTimeout: () {
          process.kill();
          return -1;
        });
      },
    ));
  }
}

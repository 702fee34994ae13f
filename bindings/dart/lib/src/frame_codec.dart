import 'dart:typed_data';

import 'errors.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'result.dart';

/// The default limit on one frame body: `max_payload_bytes` (16 MiB) + 64 KiB (SPEC.md 13.3).
const int defaultMaxFrameBytes = 16 * 1024 * 1024 + 64 * 1024;

/// One frame: a 4-byte little-endian length, then [body].
Uint8List encodeFrame(List<int> body) {
  final frame = Uint8List(4 + body.length);
  ByteData.sublistView(frame).setUint32(0, body.length, Endian.little);
  frame.setRange(4, frame.length, body);
  return frame;
}

/// Splits a byte stream into frame bodies, whatever the chunking of the stream.
///
/// A length prefix above [maxFrameBytes] cannot be skipped (nothing says where the next frame
/// starts), so the decoder fails for good: every later [add] returns the same error.
final class FrameDecoder {
  /// A decoder that accepts frames of at most [maxFrameBytes].
  FrameDecoder({this.maxFrameBytes = defaultMaxFrameBytes});

  /// The largest frame body accepted.
  final int maxFrameBytes;

  Uint8List _buffer = Uint8List(1024);
  int _start = 0;
  int _end = 0;
  FlowyError? _failed;

  /// Bytes received that do not yet form a whole frame.
  int get pendingBytes => _end - _start;

  /// Appends [chunk]; returns the frames it completed, in order, or the error that ended the
  /// stream.
  Result<List<Uint8List>, FlowyError> add(List<int> chunk) {
    final failed = _failed;
    if (failed != null) return Err(failed);
    _append(chunk);
    final frames = <Uint8List>[];
    while (_end - _start >= 4) {
      final length = ByteData.sublistView(_buffer, _start, _start + 4)
          .getUint32(0, Endian.little);
      if (length > maxFrameBytes) {
        final error = flowyError(ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE,
            'frame of $length bytes exceeds the limit of $maxFrameBytes');
        _failed = error;
        return Err(error);
      }
      if (_end - _start - 4 < length) break;
      final bodyStart = _start + 4;
      frames.add(Uint8List.fromList(
          Uint8List.sublistView(_buffer, bodyStart, bodyStart + length)));
      _start = bodyStart + length;
    }
    if (_start == _end) {
      _start = 0;
      _end = 0;
    }
    return Ok(frames);
  }

  void _append(List<int> chunk) {
    final pending = _end - _start;
    if (_buffer.length - _end < chunk.length) {
      var capacity = _buffer.length;
      while (capacity < pending + chunk.length) {
        capacity *= 2;
      }
      final grown =
          capacity == _buffer.length ? _buffer : Uint8List(capacity);
      grown.setRange(0, pending, _buffer, _start);
      _buffer = grown;
      _start = 0;
      _end = pending;
    }
    _buffer.setRange(_end, _end + chunk.length, chunk);
    _end += chunk.length;
  }
}

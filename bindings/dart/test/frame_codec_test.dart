import 'dart:typed_data';

import 'package:eventwire/eventwire.dart';
import 'package:eventwire/src/frame_codec.dart';
import 'package:test/test.dart';

void main() {
  test('a frame is a little-endian u32 length and the body', () {
    expect(encodeFrame(<int>[7, 8, 9]), <int>[3, 0, 0, 0, 7, 8, 9]);
    expect(encodeFrame(<int>[]), <int>[0, 0, 0, 0]);
    final big = encodeFrame(Uint8List(0x0102));
    expect(big.sublist(0, 4), <int>[0x02, 0x01, 0, 0]);
  });

  test('frames are found whatever the chunking', () {
    final stream = <int>[
      ...encodeFrame(<int>[1]),
      ...encodeFrame(<int>[]),
      ...encodeFrame(List<int>.generate(3000, (i) => i % 256)),
    ];
    for (final chunkSize in <int>[1, 2, 3, 5, 4096]) {
      final decoder = FrameDecoder();
      final frames = <List<int>>[];
      for (var i = 0; i < stream.length; i += chunkSize) {
        final end = i + chunkSize < stream.length ? i + chunkSize : stream.length;
        final result = decoder.add(stream.sublist(i, end));
        frames.addAll(result.okOrNull!);
      }
      expect(frames.length, 3, reason: 'chunk size $chunkSize');
      expect(frames[0], <int>[1]);
      expect(frames[1], isEmpty);
      expect(frames[2].length, 3000);
      expect(frames[2][2999], 2999 % 256);
      expect(decoder.pendingBytes, 0);
    }
  });

  test('an oversized length prefix fails the stream for good', () {
    final decoder = FrameDecoder(maxFrameBytes: 10);
    final result = decoder.add(<int>[11, 0, 0, 0]);
    expect(result.errOrNull?.code, ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE);
    expect(result.errOrNull?.category,
        ErrorCategory.ERROR_CATEGORY_INVALID_ARGUMENT);
    expect(decoder.add(encodeFrame(<int>[1])).isErr, isTrue);
  });

  test('a frame at exactly the limit is accepted', () {
    final decoder = FrameDecoder(maxFrameBytes: 10);
    final frames = decoder.add(encodeFrame(Uint8List(10))).okOrNull!;
    expect(frames.single.length, 10);
  });
}

import 'dart:async';
import 'dart:typed_data';

import 'package:eventwire/eventwire.dart';
import 'package:eventwire/src/frame_codec.dart';
import 'package:fixnum/fixnum.dart';
import 'package:test/test.dart';

import '../conformance/gen/events.dart';

/// A backend on the far side of in-memory pipes, scripted by each test.
final class FakeBackend {
  FakeBackend() {
    _fromClient.stream.listen((chunk) {
      for (final body in _decoder.add(chunk).okOrNull!) {
        final frame = StreamFrame.fromBuffer(body);
        if (frame.hasRequest()) {
          requests.add(frame.request);
          onRequest?.call(frame.request);
        } else if (frame.hasCancel()) {
          _cancels.add(frame.cancel.id.toInt());
        }
      }
    });
  }

  final StreamController<List<int>> _toClient = StreamController<List<int>>();
  final StreamController<List<int>> _fromClient =
      StreamController<List<int>>();
  final FrameDecoder _decoder = FrameDecoder();
  final StreamController<int> _cancels = StreamController<int>.broadcast();
  final List<StreamRequest> requests = <StreamRequest>[];
  void Function(StreamRequest request)? onRequest;

  late final StreamTransport transport =
      StreamTransport(_toClient.stream, _fromClient.sink);
  late final EventwireClient client = EventwireClient(transport);

  /// Ids of the cancel frames the client sends.
  Stream<int> get cancels => _cancels.stream;

  void send(List<StreamFrame> frames) {
    // One chunk: the frames arrive together, as they would from one write.
    _toClient.add(<int>[
      for (final f in frames) ...encodeFrame(f.writeToBuffer()),
    ]);
  }

  void sendRaw(List<int> bytes) => _toClient.add(bytes);

  Future<void> hangUp() => _toClient.close();

  static StreamFrame response(Int64 id, List<int> ffiResponse) =>
      StreamFrame(response: StreamResponse(id: id, response: ffiResponse));

  static List<int> ok(List<int> payload) =>
      FFIResponse(payload: payload, code: FFIStatusCode.FFI_STATUS_CODE_OK)
          .writeToBuffer();

  static List<int> err(ErrorCode code, String msg) => FFIResponse(
        payload: flowyError(code, msg).writeToBuffer(),
        code: FFIStatusCode.FFI_STATUS_CODE_ERR,
      ).writeToBuffer();

  /// An error whose code number the protocol's `ErrorCode` does not declare (an application's
  /// own, such as the sample app's 220): the Dart enum cannot hold it, so the number is written
  /// as field 1 by hand, exactly as a backend puts it on the wire.
  static List<int> errNumber(int code, ErrorCategory category, String msg) {
    final number = <int>[0x08];
    for (var v = code; ; v >>= 7) {
      if (v < 0x80) {
        number.add(v);
        break;
      }
      number.add((v & 0x7f) | 0x80);
    }
    return FFIResponse(
      payload: <int>[
        ...number,
        ...(FlowyError()
              ..msg = msg
              ..category = category)
            .writeToBuffer(),
      ],
      code: FFIStatusCode.FFI_STATUS_CODE_ERR,
    ).writeToBuffer();
  }

  static StreamFrame notification(String source, int ty, String id,
          {List<int>? payload, List<int>? error, int seq = 0}) =>
      StreamFrame(
        notification: SubscribeObject(
          source: source,
          ty: ty,
          id: id,
          payload: payload,
          error: error,
          seq: Int64(seq),
        ),
      );
}

UserProfilePB profile(int id) =>
    UserProfilePB(id: Int64(id), email: 'u$id@example.com');

void main() {
  test('an event is sent as FFIRequest and its output decoded', () async {
    final backend = FakeBackend();
    backend.onRequest = (r) {
      final request = FFIRequest.fromBuffer(r.request);
      expect(request.event, 'Ping');
      expect(request.payload, isEmpty);
      expect(r.timeoutMs, 0);
      backend.send(<StreamFrame>[
        FakeBackend.response(r.id, FakeBackend.ok(PongPB(message: 'pong').writeToBuffer())),
      ]);
    };
    final result = await const ConformanceEventPing().send(client: backend.client);
    expect(result.okOrNull?.message, 'pong');
  });

  test('the input is encoded into the request payload', () async {
    final backend = FakeBackend();
    backend.onRequest = (r) {
      final request = FFIRequest.fromBuffer(r.request);
      expect(request.event, 'SignIn');
      final input = SignInPayloadPB.fromBuffer(request.payload);
      expect(input.email, 'a@b.c');
      backend.send(<StreamFrame>[
        FakeBackend.response(r.id, FakeBackend.ok(profile(1).writeToBuffer())),
      ]);
    };
    final result = await UserEventSignIn(SignInPayloadPB(email: 'a@b.c', password: 'pw'))
        .send(client: backend.client, timeout: const Duration(seconds: 5));
    expect(result.okOrNull?.id, Int64(1));
    expect(backend.requests.single.timeoutMs, 5000);
  });

  test('an error response is an Err with the backend error', () async {
    final backend = FakeBackend();
    backend.onRequest = (r) => backend.send(<StreamFrame>[
          FakeBackend.response(r.id,
              FakeBackend.errNumber(220, ErrorCategory.ERROR_CATEGORY_INVALID_ARGUMENT, 'email: bad')),
        ]);
    final result = await UserEventSignIn(SignInPayloadPB(email: 'x'))
        .send(client: backend.client);
    final error = result.errOrNull!;
    expect(error.kind, const Declared(SignInCode.emailFormatInvalid));
    expect(error.category, ErrorCategory.ERROR_CATEGORY_INVALID_ARGUMENT);
    expect(error.error.isRetryable, isFalse);
  });

  test('status INTERNAL and unknown statuses are errors, never output', () async {
    final flowy = flowyError(ErrorCode.ERROR_CODE_INTERNAL, 'x').writeToBuffer();
    for (final status in <int>[2, 7]) {
      // FFIResponse{payload: flowy, code: status}, written by hand.
      final bytes = <int>[0x0a, flowy.length, ...flowy, 0x10, status];
      final outcome = interpretEnvelope(bytes);
      expect(outcome, isA<ErrorResponse>(), reason: 'status $status');
      expect((outcome as ErrorResponse).error.code, ErrorCode.ERROR_CODE_INTERNAL);
    }
    expect(interpretEnvelope(<int>[0x0a, 0x02, 0xff]), isA<MalformedResponse>());
    final textError = <int>[0x0a, 0x03, 0x62, 0x61, 0x64, 0x10, 0x01];
    expect(interpretEnvelope(textError), isA<MalformedResponse>());
  });

  test('a deadline ends the call with REQUEST_TIMEOUT and cancels it', () async {
    final backend = FakeBackend();
    final cancelled = backend.cancels.first;
    final result = await const ConformanceEventPing().send(
        client: backend.client, timeout: const Duration(milliseconds: 20));
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_REQUEST_TIMEOUT);
    expect(result.errOrNull?.category, ErrorCategory.ERROR_CATEGORY_DEADLINE_EXCEEDED);
    expect(await cancelled, backend.requests.single.id.toInt());
  });

  test('a cancel token ends the call with CANCELLED; a late answer is ignored', () async {
    final backend = FakeBackend();
    final token = CancelToken();
    final cancelled = backend.cancels.first;
    backend.onRequest = (_) => token.cancel();
    final result = await const ConformanceEventPing()
        .send(client: backend.client, cancel: token);
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_CANCELLED);
    final id = await cancelled;
    backend.send(<StreamFrame>[
      FakeBackend.response(Int64(id), FakeBackend.ok(PongPB(message: 'late').writeToBuffer())),
    ]);
    // The next call still works, and gets its own answer.
    backend.onRequest = (r) => backend.send(<StreamFrame>[
          FakeBackend.response(r.id, FakeBackend.ok(PongPB(message: 'pong').writeToBuffer())),
        ]);
    final next = await const ConformanceEventPing().send(client: backend.client);
    expect(next.okOrNull?.message, 'pong');
  });

  test('a call with a cancelled token is never sent', () async {
    final backend = FakeBackend();
    final token = CancelToken()..cancel();
    final result = await const ConformanceEventPing()
        .send(client: backend.client, cancel: token);
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_CANCELLED);
    await Future<void>.delayed(Duration.zero);
    expect(backend.requests, isEmpty);
  });

  test('notifications are routed by source, ty and id, before the response', () async {
    final backend = FakeBackend();
    final received = <Int64>[];
    final sub = UserNotifications.onUserSignedIn(id: '1', client: backend.client)
        .listen((p) => received.add(p.id));
    backend.onRequest = (r) => backend.send(<StreamFrame>[
          FakeBackend.notification('user', 1, '1', payload: profile(1).writeToBuffer()),
          FakeBackend.notification('user', 1, '2', payload: profile(2).writeToBuffer()),
          FakeBackend.notification('user', 2, '1', payload: profile(3).writeToBuffer()),
          FakeBackend.notification('document', 1, '1', payload: profile(4).writeToBuffer()),
          FakeBackend.notification('user', 1, '1', payload: profile(5).writeToBuffer()),
          FakeBackend.response(r.id, FakeBackend.ok(profile(1).writeToBuffer())),
        ]);
    final result = await UserEventSignIn(SignInPayloadPB(email: 'a@b.c', password: 'p'))
        .send(client: backend.client);
    expect(result.isOk, isTrue);
    // Emitted before the response: already delivered when the call completes.
    expect(received, <Int64>[Int64(1), Int64(5)]);
    await sub.cancel();
  });

  test('error notifications are stream errors; malformed ones reach no listener', () async {
    final backend = FakeBackend();
    final errors = <Object>[];
    final payloads = <TickPB>[];
    final malformed = <MalformedNotification>[];
    backend.client.malformedNotifications.listen(malformed.add);
    ConformanceNotifications.onTick(client: backend.client)
        .listen(payloads.add, onError: errors.add);
    final tickError = flowyError(ErrorCode.ERROR_CODE_INTERNAL, 'tick 0').writeToBuffer();
    backend.onRequest = (r) => backend.send(<StreamFrame>[
          FakeBackend.notification('conformance', 1, 'a', error: tickError),
          // Both payload and error: malformed.
          FakeBackend.notification('conformance', 1, 'a',
              payload: TickPB(index: 1).writeToBuffer(), error: tickError),
          // Neither: malformed.
          FakeBackend.notification('conformance', 1, 'a'),
          FakeBackend.notification('conformance', 1, 'a',
              payload: TickPB(index: 2).writeToBuffer()),
          FakeBackend.response(r.id, FakeBackend.ok(<int>[])),
        ]);
    await const ConformanceEventPing().send(client: backend.client);
    expect(errors.single, isA<FlowyError>());
    expect((errors.single as FlowyError).msg, 'tick 0');
    expect(payloads.map((t) => t.index), <int>[2]);
    expect(malformed.length, 2);
  });

  test('a closing fault ends every pending call with its error', () async {
    final backend = FakeBackend();
    backend.onRequest = (r) => backend.send(<StreamFrame>[
          StreamFrame(
            fault: StreamFault(
              id: Int64(0),
              error: flowyError(ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE, 'too big')
                  .writeToBuffer(),
              closing: true,
            ),
          ),
        ]);
    final result = await const ConformanceEventPing().send(client: backend.client);
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE);
    final after = await const ConformanceEventPing().send(client: backend.client);
    expect(after.isErr, isTrue, reason: 'a closed stream accepts no new calls');
  });

  test('a fault for one request ends that request only', () async {
    final backend = FakeBackend();
    backend.onRequest = (r) => backend.send(<StreamFrame>[
          StreamFrame(
            fault: StreamFault(
              id: r.id,
              error: flowyError(ErrorCode.ERROR_CODE_INVALID_REQUEST, 'bad').writeToBuffer(),
            ),
          ),
        ]);
    final result = await const ConformanceEventPing().send(client: backend.client);
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_INVALID_REQUEST);
  });

  test('a backend that hangs up fails pending calls with a typed error', () async {
    final backend = FakeBackend();
    backend.onRequest = (_) => backend.hangUp();
    final result = await const ConformanceEventPing().send(client: backend.client);
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_TRANSPORT_CLOSED);
    expect(result.errOrNull?.error.isRetryable, isTrue);
  });

  test('an oversized frame from the backend fails the stream', () async {
    final backend = FakeBackend();
    backend.onRequest = (_) => backend.sendRaw(<int>[0xff, 0xff, 0xff, 0xff]);
    final result = await const ConformanceEventPing().send(client: backend.client);
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE);
  });

  test('without a client, send is an Err and subscribe a stream error', () async {
    EventwireClient.defaultClient = null;
    final result = await const ConformanceEventPing().send();
    expect(result.errOrNull?.error.code, ErrorCode.ERROR_CODE_BACKEND_NOT_READY);
    await expectLater(UserNotifications.onUserSignedIn().first,
        throwsA(isA<FlowyError>()));
  });

  test('closing the client fails pending calls', () async {
    final backend = FakeBackend();
    final pending = const ConformanceEventPing().send(client: backend.client);
    await Future<void>.delayed(Duration.zero);
    // No grace period: the fake backend never ends its stream.
    await backend.transport.close(grace: Duration.zero);
    await backend.client.close();
    expect((await pending).errOrNull?.error.code, ErrorCode.ERROR_CODE_TRANSPORT_CLOSED);
  });

  test('requests carry distinct ids and answers may come in any order', () async {
    final backend = FakeBackend();
    final first = const ConformanceEventPing().send(client: backend.client);
    final second = const ConformanceEventPing().send(client: backend.client);
    await Future<void>.delayed(Duration.zero);
    final ids = backend.requests.map((r) => r.id).toList();
    expect(ids.toSet().length, 2);
    expect(ids.contains(Int64(0)), isFalse, reason: 'id 0 is not a valid id');
    backend.send(<StreamFrame>[
      FakeBackend.response(ids[1], FakeBackend.ok(PongPB(message: 'second').writeToBuffer())),
      FakeBackend.response(ids[0], FakeBackend.ok(PongPB(message: 'first').writeToBuffer())),
    ]);
    expect((await first).okOrNull?.message, 'first');
    expect((await second).okOrNull?.message, 'second');
  });

  test('bytes helper: Uint8List round trip', () {
    expect(encodeRequest('E', Uint8List.fromList(<int>[1])),
        FFIRequest(event: 'E', payload: <int>[1]).writeToBuffer());
  });
}

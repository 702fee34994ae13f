import 'dart:convert';

import 'package:eventwire/eventwire.dart';
import 'package:fixnum/fixnum.dart';
import 'package:test/test.dart';

import '../conformance/canonical.dart';
import '../conformance/gen/proto/eventwire/conformance/v1/testee.pb.dart';
import '../conformance/operations.dart';

void main() {
  test('map entries are encoded in key order whatever the insertion order', () {
    final message = AllTypesPB();
    message.mInt32String.addAll(<int, String>{5: 'e', -1: 'm', 2: 'b'});
    message.mUint64Bytes.addAll(<Int64, List<int>>{
      Int64(-1): <int>[1], // 2^64 - 1 as unsigned: sorts last
      Int64(3): <int>[2],
    });
    final sorted = AllTypesPB.fromBuffer(canonicalBytes(message));
    expect(sorted.mInt32String.keys, <int>[-1, 2, 5]);
    expect(sorted.mUint64Bytes.keys, <Int64>[Int64(3), Int64(-1)]);
  });

  test('strings compare by UTF-8 bytes, not UTF-16 units', () {
    // U+FF61 is one UTF-16 unit above the surrogates of U+1F600, but its UTF-8 bytes are lower.
    expect(compareKeys('\uFF61', '\u{1F600}'), lessThan(0));
    expect(compareKeys(false, true), lessThan(0));
  });

  test('encode and decode go through proto-JSON', () {
    final encoded = encode('eventwire.v1.PongPB', '{"message":"pong"}');
    expect(encoded.data, PongPB(message: 'pong').writeToBuffer());
    final decoded = decode('eventwire.v1.PongPB', encoded.data);
    expect(jsonDecode(decoded.json), <String, Object?>{'message': 'pong'});
    expect(encode('eventwire.v1.NoSuchPB', '{}').failure.kind,
        FailureKind.FAILURE_KIND_UNKNOWN_TYPE);
    expect(encode('eventwire.v1.PongPB', '{"message": 7').failure.kind,
        FailureKind.FAILURE_KIND_JSON);
    expect(decode('eventwire.v1.PongPB', <int>[0x0a, 0x05, 0x61]).failure.kind,
        FailureKind.FAILURE_KIND_DECODE);
  });

  test('round trip keeps unknown fields', () {
    // PongPB{message: "a"} followed by unknown field 9 (varint 1).
    final bytes = <int>[0x0a, 0x01, 0x61, 0x48, 0x01];
    expect(roundTrip('eventwire.v1.PongPB', bytes).data, bytes);
  });

  test('build_request uses the event tables', () {
    final ping = FFIRequest.fromBuffer(buildRequest('Ping', '{}').data);
    expect(ping.event, 'Ping');
    expect(ping.payload, isEmpty);
    final signIn = FFIRequest.fromBuffer(
        buildRequest('SignIn', '{"email":"a@b.c"}').data);
    expect(SignInPayloadPB.fromBuffer(signIn.payload).email, 'a@b.c');
    expect(buildRequest('Nope', '{}').failure.kind,
        FailureKind.FAILURE_KIND_UNKNOWN_EVENT);
    expect(buildRequest('Ping', '{"x":1}').failure.kind,
        FailureKind.FAILURE_KIND_JSON);
  });

  test('interpret_response distinguishes output, error and malformed', () {
    final ok = FFIResponse(payload: PongPB(message: 'pong').writeToBuffer());
    expect(jsonDecode(interpretResponseCase('Ping', ok.writeToBuffer()).interpreted.outputJson),
        <String, Object?>{'message': 'pong'});
    final err = FFIResponse(
        code: FFIStatusCode.FFI_STATUS_CODE_ERR,
        payload: flowyError(ErrorCode.ERROR_CODE_RECORD_NOT_FOUND, 'x').writeToBuffer());
    expect(interpretResponseCase('ApplyEdit', err.writeToBuffer()).interpreted.error.code,
        ErrorCode.ERROR_CODE_RECORD_NOT_FOUND);
    expect(interpretResponseCase('SignOut', FFIResponse().writeToBuffer()).interpreted.outputJson,
        '{}');
    final badOutput = FFIResponse(payload: <int>[0x0a, 0x09]);
    expect(interpretResponseCase('Ping', badOutput.writeToBuffer()).interpreted.malformed.kind,
        MalformedKind.MALFORMED_KIND_OUTPUT);
    // The upstream hazard: an error as plain text. 'o' (0x6f) is field 13, wire type 7: invalid.
    final textError = FFIResponse(
        code: FFIStatusCode.FFI_STATUS_CODE_ERR, payload: utf8.encode('oops'));
    expect(
        interpretResponseCase('Ping', textError.writeToBuffer()).interpreted.malformed.kind,
        MalformedKind.MALFORMED_KIND_ERROR_PAYLOAD);
  });

  test('route_notifications matches on source and ty together, and id when given', () {
    List<int> note(String source, int ty, String id, {bool asError = false}) =>
        SubscribeObject(
          source: source,
          ty: ty,
          id: id,
          payload: asError ? null : TickPB(index: 1, id: id).writeToBuffer(),
          error: asError
              ? flowyError(ErrorCode.ERROR_CODE_INTERNAL, 'tick').writeToBuffer()
              : null,
        ).writeToBuffer();
    final op = RouteNotificationsOp(
      listeners: <Listener>[
        Listener(listener: 2, source: 'conformance', ty: 1),
        Listener(listener: 1, source: 'conformance', ty: 1, id: 'a'),
        Listener(listener: 3, source: 'document', ty: 1),
      ],
      notifications: <List<int>>[
        note('conformance', 1, 'a'),
        note('conformance', 1, 'b', asError: true),
        SubscribeObject(source: 'conformance', ty: 1).writeToBuffer(),
        <int>[0xff],
      ],
    );
    final routed = routeNotifications(op).routed;
    expect(
        routed.deliveries.map((d) => '${d.listener}:${d.notification}'),
        <String>['1:0', '2:0', '2:1']);
    expect(routed.deliveries[2].error.msg, 'tick');
    expect(jsonDecode(routed.deliveries[0].payloadJson),
        <String, Object?>{'index': 1, 'id': 'a'});
    expect(routed.malformed, <int>[2, 3]);
  });

  test('the handshake declares the binding role', () {
    final result = handshake(Handshake(protocolVersion: 1, role: Role.ROLE_BINDING));
    expect(result.protocolVersion, protocolVersion);
    expect(result.roles, <Role>[Role.ROLE_BINDING]);
  });
}

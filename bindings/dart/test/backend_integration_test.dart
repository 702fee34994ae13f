// Against real backends: the stdio host and the C ABI library of the reference implementation.
// `make all` builds both and points these tests at them; run alone, they are skipped unless
// EVENTWIRE_HOST (path of eventwire-host) and EVENTWIRE_FFI_LIB (path of the cdylib) are set.
@TestOn('vm')
library;

import 'dart:io';

import 'package:eventwire/eventwire.dart';
import 'package:fixnum/fixnum.dart';
import 'package:test/test.dart';

import '../conformance/gen/events.dart';

String? _env(String name) {
  final value = Platform.environment[name];
  return value == null || value.isEmpty ? null : value;
}

/// The same scenario over any transport: the sample app and the conformance module.
void scenario(Future<EventwireClient> Function() connect) {
  late EventwireClient client;
  setUp(() async => client = await connect());
  tearDown(() => client.close());

  test('sign in: typed output, and the notification arrives before the response', () async {
    final signedIn = <UserProfilePB>[];
    final sub = UserNotifications.onUserSignedIn(client: client).listen(signedIn.add);
    final result = await UserEventSignIn(
            SignInPayloadPB(email: 'ada@example.com', password: 'pw'))
        .send(client: client);
    final profile = result.okOrNull!;
    expect(profile.email, 'ada@example.com');
    expect(signedIn.map((p) => p.id), <Int64>[profile.id]);
    await sub.cancel();
  });

  test('a domain error is a typed Err', () async {
    final result = await UserEventSignIn(SignInPayloadPB(email: 'no-at-sign', password: 'pw'))
        .send(client: client);
    // A code SignIn declares: an exhaustive switch names it.
    expect(result.errOrNull?.kind, const Declared(SignInCode.emailFormatInvalid));
  });

  test('a panic in a handler is INTERNAL, not a hang', () async {
    final result = await ConformanceEventPanic(PanicPayloadPB()).send(client: client);
    expect(result.errOrNull?.kind, const Protocol<NoCode>(ErrorCode.ERROR_CODE_INTERNAL));
  });

  test('EmitNotifications: N ticks, then the response', () async {
    final ticks = <int>[];
    final sub = ConformanceNotifications.onTick(id: 'e1', client: client)
        .listen((t) => ticks.add(t.index));
    final result = await ConformanceEventEmitNotifications(
            EmitNotificationsPayloadPB(count: 5, id: 'e1'))
        .send(client: client);
    expect(result.okOrNull?.emitted, 5);
    expect(ticks, <int>[0, 1, 2, 3, 4]);
    await sub.cancel();
  });

  test('a deadline shorter than the handler gives REQUEST_TIMEOUT', () async {
    final result = await ConformanceEventSleep(SleepPayloadPB(millis: 1000))
        .send(client: client, timeout: const Duration(milliseconds: 50));
    expect(result.errOrNull?.kind, const Protocol<NoCode>(ErrorCode.ERROR_CODE_REQUEST_TIMEOUT));
  });

  test('cancellation gives CANCELLED, and the backend keeps serving', () async {
    final token = CancelToken();
    final pending = ConformanceEventSleep(SleepPayloadPB(millis: 150))
        .send(client: client, cancel: token);
    token.cancel();
    expect((await pending).errOrNull?.kind, const Protocol<NoCode>(ErrorCode.ERROR_CODE_CANCELLED));
    final pong = await const ConformanceEventPing().send(client: client);
    expect(pong.okOrNull?.message, 'pong');
  });
}

void main() {
  final host = _env('EVENTWIRE_HOST');
  group('stdio transport (eventwire-host --stdio)', () {
    scenario(() async {
      final transport = await StdioTransport.spawn(host!);
      return EventwireClient(transport.okOrNull!);
    });
  }, skip: host == null ? 'EVENTWIRE_HOST is not set' : false);

  final lib = _env('EVENTWIRE_FFI_LIB');
  group('C ABI transport (eventwire-ffi)', () {
    scenario(() async {
      final opened = FfiTransport.open(libraryPath: lib);
      return EventwireClient(opened.fold((t) => t, (e) => throw StateError(e.msg)));
    });
  }, skip: lib == null ? 'EVENTWIRE_FFI_LIB is not set' : false);
}

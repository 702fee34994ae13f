/// Eventwire for Dart: typed events and notifications over the C ABI or a stdio backend.
///
/// ```dart
/// EventwireClient.defaultClient = EventwireClient(FfiTransport.open().okOrNull!);
/// final profile = await UserEventSignIn(SignInPayloadPB(email: 'a@b.c', password: 'pw')).send();
/// UserNotifications.onUserSignedIn().listen((p) => print('signed in: ${p.email}'));
/// ```
library;

export 'src/cancel_token.dart';
export 'src/client.dart';
export 'src/errors.dart';
export 'src/ffi_transport.dart' show FfiTransport, defaultFfiLibraryName;
export 'src/frame_codec.dart' show defaultMaxFrameBytes;
export 'src/gen/events/events.dart';
export 'src/notification.dart';
export 'src/response.dart';
export 'src/result.dart';
export 'src/schema_types.dart';
export 'src/stream_transport.dart';
export 'src/transport.dart';

/// Eventwire for Dart: the runtime of a front end for any Eventwire schema, over the C ABI or a
/// stdio backend. An app's own events are generated into the app (`eventwire-tools codegen dart`)
/// and import this package; none of them are in it.
///
/// ```dart
/// EventwireClient.defaultClient = EventwireClient(FfiTransport.open().okOrNull!);
/// switch (await TodoEventCreateTodo(CreateTodoPayloadPB(title: 'milk')).send()) {
///   case Ok(:final value):
///     print('created ${value.id}');
///   case Err(error: EventError(kind: Declared(code: CreateTodoCode.titleEmpty))):
///     print('give it a title');
///   case Err(:final error):
///     print('failed: ${error.msg}');
/// }
/// ```
library;

export 'src/cancel_token.dart';
export 'src/client.dart';
export 'src/errors.dart';
export 'src/event.dart';
export 'src/ffi_transport.dart' show FfiTransport, defaultFfiLibraryName;
export 'src/frame_codec.dart' show defaultMaxFrameBytes;
export 'src/gen/proto/eventwire/v1/envelope.pb.dart';
export 'src/gen/proto/eventwire/v1/errors.pb.dart';
export 'src/gen/proto/eventwire/v1/notification.pb.dart';
export 'src/gen/proto/eventwire/v1/stream.pb.dart';
export 'src/notification.dart';
export 'src/response.dart';
export 'src/result.dart';
export 'src/schema_types.dart';
export 'src/stream_transport.dart';
export 'src/transport.dart';

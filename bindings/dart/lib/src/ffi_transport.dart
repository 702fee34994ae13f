import 'dart:async';
import 'dart:convert';
import 'dart:ffi';
import 'dart:io';
import 'dart:typed_data';

import 'package:ffi/ffi.dart';

import 'cancel_token.dart';
import 'errors.dart';
import 'gen/proto/eventwire/v1/errors.pb.dart';
import 'pending_calls.dart';
import 'result.dart';
import 'stream_transport.dart' show defaultFallbackTimeout;
import 'transport.dart';

// The C ABI of `reference-impl/ffi/include/eventwire.h`.
typedef _ResponseCbNative = Void Function(
    Uint64 requestId, Pointer<Uint8> response, Size len, Pointer<Void> userData);
typedef _NotificationCbNative = Void Function(
    Pointer<Uint8> subscribeObject, Size len, Pointer<Void> userData);

typedef _InitNative = Int32 Function(Pointer<Uint8> config, Size configLen);
typedef _InitDart = int Function(Pointer<Uint8> config, int configLen);
typedef _SetResponseCbNative = Int32 Function(
    Pointer<NativeFunction<_ResponseCbNative>> cb, Pointer<Void> userData);
typedef _SetResponseCbDart = int Function(
    Pointer<NativeFunction<_ResponseCbNative>> cb, Pointer<Void> userData);
typedef _SetNotificationCbNative = Int32 Function(
    Pointer<NativeFunction<_NotificationCbNative>> cb, Pointer<Void> userData);
typedef _SetNotificationCbDart = int Function(
    Pointer<NativeFunction<_NotificationCbNative>> cb, Pointer<Void> userData);
typedef _AsyncCallNative = Int32 Function(
    Uint64 requestId, Pointer<Uint8> request, Size len);
typedef _AsyncCallDart = int Function(
    int requestId, Pointer<Uint8> request, int len);
typedef _CancelNative = Int32 Function(Uint64 requestId);
typedef _CancelDart = int Function(int requestId);
typedef _FreeNative = Void Function(Pointer<Uint8> ptr, Size len);
typedef _FreeDart = void Function(Pointer<Uint8> ptr, int len);
typedef _ShutdownNative = Int32 Function();
typedef _ShutdownDart = int Function();

/// The return values of the C ABI, by number.
const Map<int, String> _abiStatus = <int, String>{
  0: 'EVENTWIRE_OK',
  1: 'EVENTWIRE_ERR_NULL_ARGUMENT',
  2: 'EVENTWIRE_ERR_NOT_INITIALIZED',
  3: 'EVENTWIRE_ERR_ALREADY_INITIALIZED',
  4: 'EVENTWIRE_ERR_INVALID_CONFIG',
  5: 'EVENTWIRE_ERR_NO_CALLBACK',
  6: 'EVENTWIRE_ERR_INTERNAL',
};

String _status(int code) => _abiStatus[code] ?? 'unknown status $code';

/// The file name `cargo build -p eventwire-reference --release` gives the reference backend's
/// library on this platform. An application loads its own library (the crate that invokes
/// `eventwire_ffi::backend!`) by passing its path instead.
String defaultFfiLibraryName() {
  if (Platform.isMacOS || Platform.isIOS) return 'libeventwire_reference.dylib';
  if (Platform.isWindows) return 'eventwire_reference.dll';
  return 'libeventwire_reference.so';
}

final class _Abi {
  _Abi(DynamicLibrary lib)
      : init = lib.lookupFunction<_InitNative, _InitDart>('eventwire_init'),
        setResponseCallback =
            lib.lookupFunction<_SetResponseCbNative, _SetResponseCbDart>(
                'eventwire_set_response_callback'),
        setNotificationCallback = lib.lookupFunction<_SetNotificationCbNative,
            _SetNotificationCbDart>('eventwire_set_notification_callback'),
        asyncCall = lib.lookupFunction<_AsyncCallNative, _AsyncCallDart>(
            'eventwire_async_call'),
        cancel =
            lib.lookupFunction<_CancelNative, _CancelDart>('eventwire_cancel'),
        free = lib.lookupFunction<_FreeNative, _FreeDart>('eventwire_free'),
        shutdown = lib
            .lookupFunction<_ShutdownNative, _ShutdownDart>('eventwire_shutdown');

  final _InitDart init;
  final _SetResponseCbDart setResponseCallback;
  final _SetNotificationCbDart setNotificationCallback;
  final _AsyncCallDart asyncCall;
  final _CancelDart cancel;
  final _FreeDart free;
  final _ShutdownDart shutdown;
}

/// The in-process transport: the backend is the `eventwire-ffi` library, called through its C
/// ABI (SPEC.md section 13.2).
///
/// Each call is `eventwire_async_call` and completes through the response callback; the
/// callbacks are `NativeCallable.listener`s, so the library may call them from its own thread.
/// Both are invoked from one library thread in order, and the VM delivers the messages of one
/// isolate in the order they were sent, so notifications a handler emitted reach
/// [notifications] before that call completes.
///
/// A listener callback runs after the native call has returned. That is why the ABI transfers
/// every callback buffer to the receiver (SPEC.md REQ-TRANS-CABI-14): the transport copies each
/// one, then releases it with `eventwire_free`.
///
/// The library is initialised once per process: one [FfiTransport] at a time.
final class FfiTransport implements Transport {
  FfiTransport._(this._abi, {required Duration fallbackTimeout}) {
    _calls = PendingCalls(
      fallbackTimeout: fallbackTimeout,
      sendCancel: (id) => _abi.cancel(id),
    );
    _responseCallback = NativeCallable<_ResponseCbNative>.listener(_onResponse);
    _notificationCallback =
        NativeCallable<_NotificationCbNative>.listener(_onNotification);
  }

  final _Abi _abi;
  late final PendingCalls _calls;
  late final NativeCallable<_ResponseCbNative> _responseCallback;
  late final NativeCallable<_NotificationCbNative> _notificationCallback;
  final StreamController<Uint8List> _notifications =
      StreamController<Uint8List>.broadcast();
  bool _closed = false;

  /// Loads the library from [libraryPath] (default: [defaultFfiLibraryName], found on the
  /// platform's library search path), initialises it with [config] (the JSON object of
  /// `eventwire_init`, e.g. `{"max_payload_bytes": 1048576}`) and installs the callbacks.
  ///
  /// Every failure is an [Err]: a missing library or symbol, a configuration the library
  /// rejects, a library that is already initialised.
  static Result<FfiTransport, FlowyError> open({
    String? libraryPath,
    Map<String, Object?> config = const <String, Object?>{},
    Duration fallbackTimeout = defaultFallbackTimeout,
  }) {
    final _Abi abi;
    try {
      abi = _Abi(DynamicLibrary.open(libraryPath ?? defaultFfiLibraryName()));
    } catch (e) {
      return Err(flowyError(ErrorCode.ERROR_CODE_BACKEND_NOT_READY,
          'cannot load the eventwire-ffi library: $e'));
    }
    final configBytes = utf8.encode(jsonEncode(config));
    final initStatus = _withNativeBytes(
        configBytes, (ptr, len) => abi.init(ptr, len));
    if (initStatus != 0) {
      return Err(flowyError(ErrorCode.ERROR_CODE_BACKEND_NOT_READY,
          'eventwire_init failed: ${_status(initStatus)}'));
    }
    final transport = FfiTransport._(abi, fallbackTimeout: fallbackTimeout);
    final setNotification = abi.setNotificationCallback(
        transport._notificationCallback.nativeFunction, nullptr);
    final setResponse = abi.setResponseCallback(
        transport._responseCallback.nativeFunction, nullptr);
    if (setNotification != 0 || setResponse != 0) {
      abi.shutdown();
      transport._closeCallbacks();
      return Err(flowyError(
          ErrorCode.ERROR_CODE_BACKEND_NOT_READY,
          'installing callbacks failed: '
          '${_status(setNotification)}, ${_status(setResponse)}'));
    }
    return Ok(transport);
  }

  @override
  Stream<Uint8List> get notifications => _notifications.stream;

  @override
  Future<Result<Uint8List, FlowyError>> call(
    Uint8List request, {
    Duration? timeout,
    CancelToken? cancel,
  }) =>
      // The C ABI has no per-request deadline: the deadline is enforced here and the library
      // is told with eventwire_cancel.
      _calls.start(
        timeout: timeout,
        cancel: cancel,
        send: (id, _) {
          final status =
              _withNativeBytes(request, (ptr, len) => _abi.asyncCall(id, ptr, len));
          if (status == 0) return const Ok<void, FlowyError>(null);
          return Err(transportFailure('eventwire_async_call: ${_status(status)}'));
        },
      );

  void _onResponse(
      int requestId, Pointer<Uint8> response, int len, Pointer<Void> userData) {
    final bytes = _takeBuffer(response, len);
    _calls.complete(requestId, Ok(bytes));
  }

  void _onNotification(
      Pointer<Uint8> subscribeObject, int len, Pointer<Void> userData) {
    final bytes = _takeBuffer(subscribeObject, len);
    if (!_closed) _notifications.add(bytes);
  }

  /// Copies a buffer the library handed over, then releases it.
  Uint8List _takeBuffer(Pointer<Uint8> ptr, int len) {
    if (ptr == nullptr || len == 0) return Uint8List(0);
    final copy = Uint8List.fromList(ptr.asTypedList(len));
    _abi.free(ptr, len);
    return copy;
  }

  /// Shuts the library down: it answers every call in flight (CANCELLED); calls still pending
  /// here complete with a transport error. The library may be opened again afterwards.
  @override
  Future<void> close() async {
    if (_closed) return;
    _closed = true;
    _calls.close(transportFailure('the transport was closed'));
    // Returns after every in-flight call has been answered: no callback runs after this, so the
    // callables can be closed.
    _abi.shutdown();
    _closeCallbacks();
    await _notifications.close();
  }

  void _closeCallbacks() {
    _responseCallback.close();
    _notificationCallback.close();
  }
}

/// Runs [f] with [bytes] copied to native memory, which is freed afterwards. The library copies
/// what it needs before returning (the ABI passes request bytes by borrowed pointer).
int _withNativeBytes(List<int> bytes, int Function(Pointer<Uint8>, int) f) {
  final ptr = malloc<Uint8>(bytes.isEmpty ? 1 : bytes.length);
  try {
    ptr.asTypedList(bytes.length).setAll(0, bytes);
    return f(ptr, bytes.length);
  } finally {
    malloc.free(ptr);
  }
}

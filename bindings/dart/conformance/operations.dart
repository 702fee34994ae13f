/// The operations of the binding-role conformance testee, separate from its stdin/stdout loop
/// so that they can be tested directly.
library;

import 'dart:convert';

import 'package:protobuf/protobuf.dart';

import 'package:eventwire/eventwire.dart';

import 'canonical.dart';
import 'gen/proto/eventwire/conformance/v1/testee.pb.dart';
import 'gen/schema.dart';

/// The testee protocol version this testee speaks.
const int protocolVersion = 1;

/// The field number of `case` in `TesteeRequest` and `TesteeResponse`. `case` is a Dart
/// keyword, so the accessor name protoc-gen-dart picks for it is avoided: the field is read and
/// written by number.
const int caseFieldNumber = 2;

/// Optional features this testee implements (conformance/INTERPRETING.md).
const List<String> features = <String>[
  'preserve-unknown-fields',
  'notification-routing',
];

/// A `TesteeResponse` carrying [result].
TesteeResponse caseResponse(CaseResult result) =>
    TesteeResponse()..setField(caseFieldNumber, result);

/// The answer to the handshake: the binding role only.
HandshakeResult handshake(Handshake request) => HandshakeResult(
      protocolVersion: protocolVersion,
      implementationName: 'eventwire-dart',
      implementationVersion: '0.1.0',
      roles: <Role>[Role.ROLE_BINDING],
      features: features,
    );

/// Runs one case; never throws.
CaseResult runCase(Case c) {
  try {
    if (c.hasEncode()) return encode(c.encode.messageType, c.encode.json);
    if (c.hasDecode()) return decode(c.decode.messageType, c.decode.data);
    if (c.hasRoundTrip()) {
      return roundTrip(c.roundTrip.messageType, c.roundTrip.data);
    }
    if (c.hasBuildRequest()) {
      return buildRequest(c.buildRequest.event, c.buildRequest.inputJson);
    }
    if (c.hasInterpretResponse()) {
      return interpretResponseCase(
          c.interpretResponse.event, c.interpretResponse.response);
    }
    if (c.hasRouteNotifications()) {
      return routeNotifications(c.routeNotifications);
    }
    if (c.hasDispatch()) {
      return CaseResult(unsupported: 'dispatch: this testee plays the binding role only');
    }
    return CaseResult(unsupported: 'case without an operation');
  } catch (e) {
    // A bug in the testee, not a protocol outcome: reported as "could not run", never passed.
    return CaseResult(unsupported: 'testee error: $e');
  }
}

CaseResult _failure(FailureKind kind, String message) =>
    CaseResult(failure: Failure(kind: kind, message: message));

/// A message of [messageType] from proto-JSON, or the failure to report.
Result<GeneratedMessage, CaseResult> _fromJson(String messageType, String json) {
  final create = EventwireSchema.messages[messageType];
  if (create == null) {
    return Err(_failure(FailureKind.FAILURE_KIND_UNKNOWN_TYPE,
        'no message type $messageType in the schema'));
  }
  return _mergeJson(create(), json);
}

Result<GeneratedMessage, CaseResult> _mergeJson(
    GeneratedMessage message, String json) {
  try {
    message.mergeFromProto3Json(jsonDecode(json));
    return Ok(message);
  } catch (e) {
    return Err(_failure(FailureKind.FAILURE_KIND_JSON, '$e'));
  }
}

Result<GeneratedMessage, CaseResult> _fromBinary(
    String messageType, List<int> data) {
  final create = EventwireSchema.messages[messageType];
  if (create == null) {
    return Err(_failure(FailureKind.FAILURE_KIND_UNKNOWN_TYPE,
        'no message type $messageType in the schema'));
  }
  final message = create();
  try {
    message.mergeFromBuffer(data);
    return Ok(message);
  } catch (e) {
    return Err(_failure(FailureKind.FAILURE_KIND_DECODE, '$e'));
  }
}

/// `EncodeOp`: proto-JSON to canonical binary.
CaseResult encode(String messageType, String json) =>
    switch (_fromJson(messageType, json)) {
      Ok(value: final message) => CaseResult(data: canonicalBytes(message)),
      Err(error: final failure) => failure,
    };

/// `DecodeOp`: binary to proto-JSON.
CaseResult decode(String messageType, List<int> data) =>
    switch (_fromBinary(messageType, data)) {
      Ok(value: final message) =>
        CaseResult(json: jsonEncode(message.toProto3Json())),
      Err(error: final failure) => failure,
    };

/// `RoundTripOp`: binary to message to binary; unknown fields are kept.
CaseResult roundTrip(String messageType, List<int> data) =>
    switch (_fromBinary(messageType, data)) {
      Ok(value: final message) => CaseResult(data: canonicalBytes(message)),
      Err(error: final failure) => failure,
    };

/// `BuildRequestOp`: the `FFIRequest` the generated event class would send.
CaseResult buildRequest(String event, String inputJson) {
  final spec = EventwireSchema.events[event];
  if (spec == null) {
    return _failure(FailureKind.FAILURE_KIND_UNKNOWN_EVENT, 'no event $event');
  }
  final createInput = EventwireSchema.inputs[event];
  if (createInput == null) {
    // An event without input sends an empty payload; its input is written as "{}".
    final Object? decoded;
    try {
      decoded = jsonDecode(inputJson);
    } catch (e) {
      return _failure(FailureKind.FAILURE_KIND_JSON, '$e');
    }
    if (decoded is! Map || decoded.isNotEmpty) {
      return _failure(FailureKind.FAILURE_KIND_JSON,
          'event $event takes no input; expected {}');
    }
    return CaseResult(data: encodeRequest(event, const <int>[]));
  }
  return switch (_mergeJson(createInput(), inputJson)) {
    Ok(value: final input) =>
      CaseResult(data: encodeRequest(event, canonicalBytes(input))),
    Err(error: final failure) => failure,
  };
}

/// `InterpretResponseOp`: what the generated event class makes of a response.
CaseResult interpretResponseCase(String event, List<int> response) {
  final spec = EventwireSchema.events[event];
  if (spec == null) {
    return _failure(FailureKind.FAILURE_KIND_UNKNOWN_EVENT, 'no event $event');
  }
  return CaseResult(
      interpreted: switch (interpretEnvelope(response)) {
    OutputBytes(:final bytes) =>
      _interpretOutput(EventwireSchema.outputs[event], bytes),
    ErrorResponse(:final error) => Interpreted(error: error),
    MalformedResponse(:final kind, :final message) => Interpreted(
        malformed: Malformed(kind: _malformedKind(kind), message: message)),
  });
}

Interpreted _interpretOutput(
    GeneratedMessage Function()? createOutput, List<int> bytes) {
  // An event without output: any OK payload is accepted and ignored.
  if (createOutput == null) return Interpreted(outputJson: '{}');
  final output = createOutput();
  try {
    output.mergeFromBuffer(bytes);
  } catch (e) {
    return Interpreted(
        malformed:
            Malformed(kind: MalformedKind.MALFORMED_KIND_OUTPUT, message: '$e'));
  }
  return Interpreted(outputJson: jsonEncode(output.toProto3Json()));
}

MalformedKind _malformedKind(MalformedResponseKind kind) => switch (kind) {
      MalformedResponseKind.envelope => MalformedKind.MALFORMED_KIND_ENVELOPE,
      MalformedResponseKind.errorPayload =>
        MalformedKind.MALFORMED_KIND_ERROR_PAYLOAD,
      MalformedResponseKind.output => MalformedKind.MALFORMED_KIND_OUTPUT,
    };

/// `RouteNotificationsOp`: deliveries in notification order, then listener order.
CaseResult routeNotifications(RouteNotificationsOp op) {
  final listeners = List<Listener>.of(op.listeners)
    ..sort((a, b) => a.listener.compareTo(b.listener));
  final routed = Routed();
  for (var index = 0; index < op.notifications.length; index++) {
    final decoded = decodeNotification(op.notifications[index]);
    if (decoded is! Ok<EventwireNotification, MalformedNotification>) {
      routed.malformed.add(index);
      continue;
    }
    final notification = decoded.value;
    final FlowyError? error = notification.error;
    String? payloadJson;
    if (error == null) {
      final spec =
          EventwireSchema.notifications[(notification.source, notification.ty)];
      if (spec == null) {
        // Not in the tables: no listener can be typed for it.
        continue;
      }
      final payload = spec.payload();
      try {
        payload.mergeFromBuffer(notification.payload ?? const <int>[]);
      } catch (_) {
        routed.malformed.add(index);
        continue;
      }
      payloadJson = jsonEncode(payload.toProto3Json());
    }
    for (final listener in listeners) {
      final id = listener.hasId() ? listener.id : null;
      if (!notification.matches(listener.source, listener.ty, id)) continue;
      routed.deliveries.add(error != null
          ? Delivery(listener: listener.listener, notification: index, error: error)
          : Delivery(
              listener: listener.listener,
              notification: index,
              payloadJson: payloadJson));
    }
  }
  return CaseResult(routed: routed);
}

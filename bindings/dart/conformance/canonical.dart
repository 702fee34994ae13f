/// Canonical encoding (SPEC.md section 4) on top of the Dart protobuf runtime.
///
/// The runtime already writes fields in field-number order, omits proto3 defaults, writes
/// explicitly present fields and packs repeated scalars. What it does not do is order map
/// entries: maps keep insertion order. [canonicalBytes] sorts every map, at any depth, by key
/// before encoding.
library;

import 'dart:convert';
import 'dart:typed_data';

import 'package:fixnum/fixnum.dart';
import 'package:protobuf/protobuf.dart';

/// [message] encoded canonically. Sorts its maps in place.
Uint8List canonicalBytes(GeneratedMessage message) {
  sortMaps(message);
  return message.writeToBuffer();
}

/// Reorders every map field of [message] and of the messages it contains by key: integers
/// numerically (unsigned types as unsigned), `false` before `true`, strings by UTF-8 bytes.
void sortMaps(GeneratedMessage message) {
  for (final field in message.info_.fieldInfo.values) {
    final tag = field.tagNumber;
    if (field is MapFieldInfo) {
      if (!message.hasField(tag)) continue;
      final map = message.getField(tag) as Map;
      final unsigned = field.keyFieldType == PbFieldType.OU6 ||
          field.keyFieldType == PbFieldType.OF6;
      final entries = map.entries.toList()
        ..sort((a, b) => compareKeys(a.key, b.key, unsigned64: unsigned));
      map.clear();
      for (final entry in entries) {
        map[entry.key] = entry.value;
        final value = entry.value;
        if (value is GeneratedMessage) sortMaps(value);
      }
    } else if (field.isGroupOrMessage) {
      if (field.isRepeated) {
        for (final element in message.getField(tag) as List) {
          if (element is GeneratedMessage) sortMaps(element);
        }
      } else if (message.hasField(tag)) {
        sortMaps(message.getField(tag) as GeneratedMessage);
      }
    }
  }
}

/// The canonical order of two map keys of the same type.
int compareKeys(Object? a, Object? b, {bool unsigned64 = false}) {
  if (a is String && b is String) return _compareUtf8(a, b);
  if (a is bool && b is bool) return a == b ? 0 : (a ? 1 : -1);
  if (a is int && b is int) return a.compareTo(b);
  if (a is Int64 && b is Int64) {
    // Flipping the sign bit maps unsigned order onto signed order.
    return unsigned64
        ? (a ^ Int64.MIN_VALUE).compareTo(b ^ Int64.MIN_VALUE)
        : a.compareTo(b);
  }
  throw ArgumentError('map keys of unexpected types: $a, $b');
}

int _compareUtf8(String a, String b) {
  final x = utf8.encode(a);
  final y = utf8.encode(b);
  final n = x.length < y.length ? x.length : y.length;
  for (var i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

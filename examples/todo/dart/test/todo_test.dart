// The to-do front end against the to-do backend over stdio (`make` builds todo-host and sets
// TODO_HOST): generated event classes, an app-defined error matched exhaustively, a notification.
@TestOn('vm')
library;

import 'dart:io';

import 'package:eventwire/eventwire.dart';
import 'package:fixnum/fixnum.dart';
import 'package:test/test.dart';
import 'package:todo_frontend/src/events/events.dart';

/// What the UI says about a failed GetTodo: the switch is exhaustive over the declared codes.
String explain(EventError<GetTodoCode> error) => switch (error.kind) {
      Declared(code: GetTodoCode.todoNotFound) => 'That to-do no longer exists.',
      Protocol(:final code) => 'Something went wrong (${code.name}).',
      Unknown(:final number) => 'Something went wrong (code $number).',
    };

void main() {
  final host = Platform.environment['TODO_HOST'];
  late EventwireClient client;

  setUp(() async {
    final transport = await StdioTransport.spawn(host!);
    client = EventwireClient(transport.okOrNull!);
  });
  tearDown(() => client.close());

  test('create, notify, get', () async {
    final changed = TodoNotifications.onTodoChanged(client: client).first;
    final created = await TodoEventCreateTodo(CreateTodoPayloadPB(title: ' milk ')).send(client: client);
    final todo = created.okOrNull!;
    expect(todo.title, 'milk');
    expect((await changed).id, todo.id);
    final got = await TodoEventGetTodo(TodoIdPB(id: todo.id)).send(client: client);
    expect(got.okOrNull?.title, 'milk');
  });

  test('an app-defined error is a declared code, with its category', () async {
    final missing = await TodoEventGetTodo(TodoIdPB(id: Int64(424242))).send(client: client);
    final error = missing.errOrNull!;
    expect(error.kind, const Declared(GetTodoCode.todoNotFound));
    expect(error.number, 1000);
    expect(error.category, ErrorCategory.ERROR_CATEGORY_NOT_FOUND);
    expect(explain(error), 'That to-do no longer exists.');

    final empty = await TodoEventCreateTodo(CreateTodoPayloadPB(title: ' ')).send(client: client);
    expect(empty.errOrNull?.kind, const Declared(CreateTodoCode.titleEmpty));
  });
}

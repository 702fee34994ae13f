// The to-do front end end to end: generated calls against the real backend over stdio, and the
// same calls against the generated mock backend, with no process.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type Client,
  createClient,
  ErrorCategory,
  ErrorCode,
  type EventError,
  mockError,
  type Notification,
  type OtherCode,
  TauriTransport,
} from "@eventwire/client";
import { spawnHost } from "@eventwire/client/node";
import { createMockBackend, notifications, todo } from "../src/gen/events/index.js";
import { type TodoIdPB, type TodoPB, TodoErrorCode } from "../src/gen/todo/v1/todo_pb.js";
import { explainCreateTodo, explainGetTodo } from "../src/todos.js";
import { spawnBridge } from "./bridge.js";
import { todoHost, todoJsonBridge } from "./host.js";

/** Resolves with the next notification `subscribe` delivers. */
function next<T>(
  subscribe: (handler: (n: Notification<T>) => void) => () => void,
): Promise<Notification<T>> {
  return new Promise((resolve) => {
    const stop = subscribe((n) => {
      stop();
      resolve(n);
    });
  });
}

describe("to-do over stdio (todo-host)", () => {
  let client: Client;
  before(() => {
    client = createClient(spawnHost({ command: todoHost(), stderr: "inherit" }), { notifications });
  });
  after(async () => {
    await client.close();
  });

  it("creates a to-do and receives TodoChanged for it", async () => {
    const changed = next<TodoPB>((h) => todo.onTodoChanged(client, h));
    const created = await todo.createTodo(client, { title: "  write the docs " });
    assert.ok(created.ok, created.ok ? "" : `${created.origin}: ${created.error.msg}`);
    assert.equal(created.value.title, "write the docs");
    assert.equal(created.value.done, false);
    const n = await changed;
    assert.ok(n.ok);
    assert.equal(n.source, "todo");
    assert.equal(n.id, String(created.value.id));
    assert.equal(n.value.title, "write the docs");

    const got = await todo.getTodo(client, { id: created.value.id });
    assert.ok(got.ok);
    assert.equal(got.value.id, created.value.id);
  });

  it("answers an app-defined error, narrowed by code", async () => {
    const missing = await todo.getTodo(client, { id: 424242n });
    assert.ok(!missing.ok);
    assert.equal(missing.origin, "backend");
    assert.equal(missing.error.code, TodoErrorCode.TODO_NOT_FOUND);
    assert.equal(missing.error.category, ErrorCategory.NOT_FOUND);
    assert.equal(explainGetTodo(missing.error), "That to-do no longer exists.");

    const empty = await todo.createTodo(client, { title: "   " });
    assert.ok(!empty.ok);
    assert.equal(empty.error.code, TodoErrorCode.TITLE_EMPTY);
    assert.equal(empty.error.category, ErrorCategory.INVALID_ARGUMENT);
    assert.equal(explainCreateTodo(empty.error), "Give the to-do a title.");
  });

  it("lists and deletes, with TodoDeleted", async () => {
    const created = await todo.createTodo(client, { title: "short-lived" });
    assert.ok(created.ok);
    const deleted = next<TodoIdPB>((h) =>
      todo.onTodoDeleted(client, h, { id: String(created.value.id) }),
    );
    const removed = await todo.deleteTodo(client, { id: created.value.id });
    assert.ok(removed.ok);
    assert.equal(removed.value, undefined);
    const n = await deleted;
    assert.ok(n.ok);
    assert.equal(n.value.id, created.value.id);
    const list = await todo.listTodos(client);
    assert.ok(list.ok);
    assert.ok(!list.value.items.some((t) => t.id === created.value.id));
  });
});

describe("to-do through the JSON bridge (Tauri's shape)", () => {
  it("calls, narrows an app error and receives a notification", async () => {
    const bridge = spawnBridge(todoJsonBridge());
    const client = createClient(
      new TauriTransport({ mode: "json", invoke: bridge.invoke, listen: bridge.listen }),
      { notifications },
    );
    try {
      const changed = next<TodoPB>((h) => todo.onTodoChanged(client, h));
      const created = await todo.createTodo(client, { title: "over JSON" });
      assert.ok(created.ok, created.ok ? "" : `${created.origin}: ${created.error.msg}`);
      assert.equal(created.value.title, "over JSON");
      const n = await changed;
      assert.ok(n.ok);
      assert.equal(n.value.id, created.value.id);

      const missing = await todo.getTodo(client, { id: created.value.id + 100n });
      assert.ok(!missing.ok);
      assert.equal(missing.error.code, TodoErrorCode.TODO_NOT_FOUND);
      assert.equal(explainGetTodo(missing.error), "That to-do no longer exists.");
    } finally {
      await client.close();
      await bridge.close();
    }
  });
});

describe("to-do against the generated mock backend", () => {
  it("calls typed handlers and delivers typed notifications", async () => {
    const mock = createMockBackend();
    const todos = new Map<bigint, TodoPB>();
    mock.handle(todo.CreateTodoEvent, (input) => {
      if (input.title.trim() === "")
        return mockError(TodoErrorCode.TITLE_EMPTY, "title: must not be empty");
      const item = {
        $typeName: "todo.v1.TodoPB",
        id: BigInt(todos.size + 1),
        title: input.title,
        done: false,
      } as const;
      todos.set(item.id, item);
      mock.emit(todo.TodoChangedNotification, item, { id: String(item.id) });
      return item;
    });
    mock.handle(
      todo.GetTodoEvent,
      (input) =>
        todos.get(input.id) ?? mockError(TodoErrorCode.TODO_NOT_FOUND, `id: no to-do ${input.id}`),
    );
    const client = createClient(mock.transport, { notifications });

    const changed = next<TodoPB>((h) => todo.onTodoChanged(client, h));
    const created = await todo.createTodo(client, { title: "mocked" });
    assert.ok(created.ok);
    assert.equal(created.value.title, "mocked");
    const n = await changed;
    assert.ok(n.ok);
    assert.equal(n.value.title, "mocked");
    assert.equal(n.id, "1");

    const missing = await todo.getTodo(client, { id: 9n });
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, TodoErrorCode.TODO_NOT_FOUND);
    // The category comes from the schema (the generated registry), as a real backend sends it.
    assert.equal(missing.error.category, ErrorCategory.NOT_FOUND);
    assert.equal(explainGetTodo(missing.error), "That to-do no longer exists.");

    const empty = await todo.createTodo(client, { title: "" });
    assert.ok(!empty.ok);
    assert.equal(explainCreateTodo(empty.error), "Give the to-do a title.");

    // An event of the schema without a handler answers as a backend without it would.
    const list = await todo.listTodos(client);
    assert.ok(!list.ok);
    assert.equal(list.error.code, ErrorCode.UNKNOWN_EVENT);
    assert.deepEqual(
      mock.calls.map((c) => c.event),
      ["CreateTodo", "GetTodo", "CreateTodo", "ListTodos"],
    );
    await client.close();
  });
});

describe("typed errors", () => {
  it("narrow by code, check exhaustiveness, and keep unknown numbers", () => {
    // Compiled by `npm run typecheck`: each @ts-expect-error fails the build if its line compiles.
    function partial(error: EventError<todo.CreateTodoCode>): string {
      switch (error.code) {
        case TodoErrorCode.TITLE_EMPTY:
          return "empty";
        default: {
          // @ts-expect-error TITLE_TOO_LONG, which CreateTodo declares, is not handled above
          const other: OtherCode = error.code;
          return `other ${other}`;
        }
      }
    }
    const unknown = {
      code: 123456,
      msg: "",
      payload: new Uint8Array(0),
      category: ErrorCategory.INTERNAL,
    } as unknown as EventError<todo.CreateTodoCode>;
    assert.equal(partial(unknown), "other 123456");
    assert.equal(explainCreateTodo(unknown), "Something went wrong (unknown error code 123456).");

    const mock = createMockBackend();
    // @ts-expect-error GetTodo does not declare TITLE_EMPTY: a mock cannot answer it either
    mock.handle(todo.GetTodoEvent, () => mockError(TodoErrorCode.TITLE_EMPTY));
    // @ts-expect-error the answer of GetTodo is a TodoPB, whose title is a string
    mock.handle(todo.GetTodoEvent, () => ({ title: 42 }));
  });
});

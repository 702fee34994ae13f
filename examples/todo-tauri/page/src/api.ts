// The app's events and notifications for @eventwire/client, written from events/*.yaml over the
// protobuf-es types buf generates into gen/ (until the generated TS client for an app's own
// schema replaces this file).

import type { ErrorCode, EventDesc, NotificationDesc } from "@eventwire/client";
import { BlobPBSchema, SlowPayloadPBSchema } from "./gen/selftest/v1/selftest_pb.js";
import {
  CreateTodoPayloadPBSchema,
  TodoErrorCode,
  TodoIdPBSchema,
  TodoListPBSchema,
  TodoPBSchema,
  UpdateTodoPayloadPBSchema,
} from "./gen/todo/v1/todo_pb.js";

/** The app's own codes, in the client's error-code slot (FlowyError.code is an open number). */
const codes = (...c: TodoErrorCode[]): readonly ErrorCode[] => c as unknown as readonly ErrorCode[];

export const CreateTodo: EventDesc<typeof CreateTodoPayloadPBSchema, typeof TodoPBSchema> = {
  module: "todo",
  name: "CreateTodo",
  id: 1,
  input: CreateTodoPayloadPBSchema,
  output: TodoPBSchema,
  errors: codes(TodoErrorCode.TITLE_EMPTY, TodoErrorCode.TITLE_TOO_LONG),
};

export const GetTodo: EventDesc<typeof TodoIdPBSchema, typeof TodoPBSchema> = {
  module: "todo",
  name: "GetTodo",
  id: 2,
  input: TodoIdPBSchema,
  output: TodoPBSchema,
  errors: codes(TodoErrorCode.TODO_NOT_FOUND),
};

export const ListTodos: EventDesc<undefined, typeof TodoListPBSchema> = {
  module: "todo",
  name: "ListTodos",
  id: 3,
  input: undefined,
  output: TodoListPBSchema,
  errors: [],
};

export const UpdateTodo: EventDesc<typeof UpdateTodoPayloadPBSchema, typeof TodoPBSchema> = {
  module: "todo",
  name: "UpdateTodo",
  id: 4,
  input: UpdateTodoPayloadPBSchema,
  output: TodoPBSchema,
  errors: codes(TodoErrorCode.TODO_NOT_FOUND, TodoErrorCode.TITLE_EMPTY, TodoErrorCode.TITLE_TOO_LONG),
};

export const DeleteTodo: EventDesc<typeof TodoIdPBSchema, undefined> = {
  module: "todo",
  name: "DeleteTodo",
  id: 5,
  input: TodoIdPBSchema,
  output: undefined,
  errors: codes(TodoErrorCode.TODO_NOT_FOUND),
};

export const TodoChanged: NotificationDesc<typeof TodoPBSchema> = {
  name: "TodoChanged",
  source: "todo",
  ty: 1,
  payload: TodoPBSchema,
};

export const TodoDeleted: NotificationDesc<typeof TodoIdPBSchema> = {
  name: "TodoDeleted",
  source: "todo",
  ty: 2,
  payload: TodoIdPBSchema,
};

export const Slow: EventDesc<typeof SlowPayloadPBSchema, undefined> = {
  module: "selftest",
  name: "Slow",
  id: 101,
  input: SlowPayloadPBSchema,
  output: undefined,
  errors: [],
};

export const Blob: EventDesc<typeof BlobPBSchema, typeof BlobPBSchema> = {
  module: "selftest",
  name: "Blob",
  id: 102,
  input: BlobPBSchema,
  output: BlobPBSchema,
  errors: [],
};

export const Nop: EventDesc<undefined, undefined> = {
  module: "selftest",
  name: "Nop",
  id: 103,
  input: undefined,
  output: undefined,
  errors: [],
};

export const SlowStarted: NotificationDesc<typeof SlowPayloadPBSchema> = {
  name: "SlowStarted",
  source: "selftest",
  ty: 1,
  payload: SlowPayloadPBSchema,
};

export const notifications = [TodoChanged, TodoDeleted, SlowStarted];

export { TodoErrorCode };

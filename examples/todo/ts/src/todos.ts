// The to-do front end's own code: what a UI would say about each failure. It is written against
// the generated event layer, so the compiler knows which codes each event can answer.

import { describeCode, ErrorCode, type EventError, type OtherCode } from "@eventwire/client";
import type { CreateTodoCode, GetTodoCode } from "./gen/events/todo.js";
import { TodoErrorCode } from "./gen/todo/v1/todo_pb.js";

/** The message for a failed `CreateTodo`: each code it declares, then the protocol's. */
export function explainCreateTodo(error: EventError<CreateTodoCode>): string {
  switch (error.code) {
    case TodoErrorCode.TITLE_EMPTY:
      return "Give the to-do a title.";
    case TodoErrorCode.TITLE_TOO_LONG:
      return "That title is too long.";
    case ErrorCode.REQUEST_TIMEOUT:
      return "The backend did not answer in time.";
    default: {
      // Compiles only while every code CreateTodo declares is handled above.
      const other: OtherCode = error.code;
      return `Something went wrong (${describeCode(other)}).`;
    }
  }
}

/** The message for a failed `GetTodo`. */
export function explainGetTodo(error: EventError<GetTodoCode>): string {
  switch (error.code) {
    case TodoErrorCode.TODO_NOT_FOUND:
      return "That to-do no longer exists.";
    default: {
      const other: OtherCode = error.code;
      return `Something went wrong (${describeCode(other)}).`;
    }
  }
}

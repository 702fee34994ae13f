// The page: a small to-do list, or (with `?self-test`) the end-to-end self-test of the Tauri
// transport, which reports to the app and makes it exit.

import { Channel, invoke } from "@tauri-apps/api/core";
import { Client, ErrorCode, TauriTransport } from "@eventwire/client";
import { notifications, todo } from "./gen/events/index.js";
import { selfTest } from "./selftest.js";

if (new URLSearchParams(location.search).has("self-test")) {
  selfTest().catch((e: unknown) => {
    // A crash of the test itself is a failure too: reported, so the app exits non-zero.
    void invoke("selftest_report", {
      report: { failed: [`self-test crashed: ${String(e)}`], passed: [] },
    });
  });
} else {
  void todoPage();
}

async function todoPage(): Promise<void> {
  const client = new Client(new TauriTransport({ invoke, Channel }), { notifications });
  const list = document.getElementById("list")!;
  const render = async (): Promise<void> => {
    const r = await todo.listTodos(client);
    list.replaceChildren(
      ...(r.ok ? r.value.items : []).map((t) => {
        const li = document.createElement("li");
        li.textContent = `${t.done ? "[x]" : "[ ]"} ${t.title}`;
        return li;
      }),
    );
  };
  todo.onTodoChanged(client, () => void render());
  document.getElementById("add")!.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = document.getElementById("title") as HTMLInputElement;
    const r = await todo.createTodo(client, { title: input.value });
    document.getElementById("log")!.textContent = r.ok
      ? ""
      : `${r.error.code === ErrorCode.INVALID_PARAMS ? "invalid" : "error"} ${r.error.code}: ${r.error.msg}`;
    if (r.ok) input.value = "";
  });
  await render();
}

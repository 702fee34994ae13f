// Tauri's `invoke` and `listen`, served by the to-do backend's JSON bridge in a child process
// (examples/todo/examples/json_bridge.rs): what a Tauri app's command does, without Tauri.

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { InvokeFn, ListenFn } from "@eventwire/client";

export interface Bridge {
  readonly invoke: InvokeFn;
  readonly listen: ListenFn;
  close(): Promise<void>;
}

export function spawnBridge(command: string): Bridge {
  const child: ChildProcess = spawn(command, [], { stdio: ["pipe", "pipe", "inherit"] });
  const pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  const handlers = new Set<(event: { payload: unknown }) => void>();
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  void exited.then(() => {
    for (const p of pending.splice(0)) p.reject(new Error("the bridge exited"));
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const message = JSON.parse(line) as { notification?: number[] };
    if (message.notification !== undefined) {
      for (const h of [...handlers]) h({ payload: message.notification });
    } else {
      // Answers come in request order.
      pending.shift()?.resolve(message);
    }
  });
  return {
    invoke: (command, args) => {
      if (command !== "invoke_request") return Promise.reject(new Error(`no command ${command}`));
      return new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
        child.stdin!.write(`${JSON.stringify(args)}\n`);
      });
    },
    listen: async (_event, handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

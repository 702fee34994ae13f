// The to-do backend as a process: the workspace's target/debug/todo-host, built here with cargo
// (or TODO_HOST and TODO_JSON_BRIDGE if set, as make test does).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/** The path of a built `todo-host`; throws, saying why, when there is none. */
export function todoHost(): string {
  const fromEnv = process.env.TODO_HOST;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TODO_HOST=${fromEnv} does not exist`);
    return fromEnv;
  }
  const r = spawnSync("cargo", ["build", "--quiet", "-p", "todo-app", "--bin", "todo-host"], {
    cwd: repo,
    stdio: "inherit",
  });
  if (r.error) throw new Error(`cargo is not available to build todo-host: ${r.error.message}`);
  if (r.status !== 0) throw new Error("cargo build -p todo-app --bin todo-host failed");
  const built = join(repo, "target", "debug", "todo-host");
  if (!existsSync(built)) throw new Error(`cargo built todo-host, but ${built} does not exist`);
  return built;
}

/** The path of the built JSON bridge example (`cargo build -p todo-app --example json_bridge`). */
export function todoJsonBridge(): string {
  const fromEnv = process.env.TODO_JSON_BRIDGE;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TODO_JSON_BRIDGE=${fromEnv} does not exist`);
    return fromEnv;
  }
  const r = spawnSync("cargo", ["build", "--quiet", "-p", "todo-app", "--example", "json_bridge"], {
    cwd: repo,
    stdio: "inherit",
  });
  if (r.error)
    throw new Error(`cargo is not available to build the JSON bridge: ${r.error.message}`);
  if (r.status !== 0) throw new Error("cargo build -p todo-app --example json_bridge failed");
  const built = join(repo, "target", "debug", "examples", "json_bridge");
  if (!existsSync(built))
    throw new Error(`cargo built the JSON bridge, but ${built} does not exist`);
  return built;
}

// Regenerates src/gen/ from the to-do schema (../proto, ../events), or with --check proves that
// regenerating changes nothing: one command, `eventwire-tools codegen ts`, which runs
// protoc-gen-es for the messages and writes the event layer beside them.
//
// Inside this repository the tool runs through cargo; an app outside it runs the installed
// `eventwire-tools` binary with the same arguments.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(here, "..", "..", "..");
const args = [
  "run",
  "--quiet",
  "-p",
  "eventwire-tools",
  "--",
  "codegen",
  "ts",
  "--proto",
  "examples/todo/proto",
  "--tables",
  "examples/todo/events",
  "--out",
  "examples/todo/ts/src/gen",
  "--protoc-gen-es",
  join(here, "node_modules", ".bin", "protoc-gen-es"),
  ...process.argv.slice(2),
];
// Under `make test`, EVENTWIRE_BIN_DIR names the directory of the workspace's one build.
const bin = process.env.EVENTWIRE_BIN_DIR;
const r = bin
  ? spawnSync(join(bin, "eventwire-tools"), args.slice(args.indexOf("--") + 1), {
      cwd: repo,
      stdio: "inherit",
    })
  : spawnSync("cargo", args, { cwd: repo, stdio: "inherit" });
if (r.error) {
  console.error(`cannot run cargo ${args.join(" ")}: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status ?? 1);

// Regenerates src/gen/ from the to-do schema (../proto, ../events), or with --check proves that
// regenerating changes nothing: one command, `eventwire-tools codegen ts`, which runs
// protoc-gen-es for the messages and writes the event layer beside them.
//
// Inside this repository the tool runs through cargo; an app outside it runs the installed
// `eventwire-tools` binary with the same arguments.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runWorkspaceBin } from "../../../../bindings/ts/scripts/workspace-bin.mjs";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const args = [
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
process.exit(runWorkspaceBin("eventwire-tools", "eventwire-tools", args));

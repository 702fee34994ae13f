// Builds the page into dist/: the app's front end generated into src/gen/ from its schema (the
// to-do app's protos and table, and this example's self-test module) by `eventwire-tools codegen
// ts`, exactly as docs/your-app.md tells an application to, then one bundle with esbuild.
//
// Inside this repository the tool runs through cargo; an app outside it runs the installed
// `eventwire-tools` binary with the same arguments.

import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { runWorkspaceBin } from "../../../../bindings/ts/scripts/workspace-bin.mjs";

const page = dirname(dirname(fileURLToPath(import.meta.url)));

const codegen = [
  "codegen",
  "ts",
  "--proto",
  "examples/todo/proto",
  "--proto",
  "examples/todo-tauri/proto",
  "--tables",
  "examples/todo/events",
  "--tables",
  "examples/todo-tauri/events",
  "--out",
  "examples/todo-tauri/page/src/gen",
  "--protoc-gen-es",
  join(page, "node_modules", ".bin", "protoc-gen-es"),
];
const status = runWorkspaceBin("eventwire-tools", "eventwire-tools", codegen);
if (status !== 0) process.exit(status);
if (process.argv.includes("--generate-only")) process.exit(0);

// One copy of protobuf-es for the page and for @eventwire/client (taken from its sources).
const oneProtobuf = {
  name: "one-protobuf",
  setup(build) {
    build.onResolve({ filter: /^@bufbuild\/protobuf(\/.*)?$/ }, (args) =>
      args.resolveDir === page
        ? undefined
        : build.resolve(args.path, { resolveDir: page, kind: args.kind }),
    );
  },
};

const dist = join(page, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(page, "index.html"), join(dist, "index.html"));
await esbuild.build({
  entryPoints: [join(page, "src", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: join(dist, "main.js"),
  // @eventwire/client is linked from ../../../bindings/ts; this condition bundles its sources.
  conditions: ["@eventwire/source"],
  plugins: [oneProtobuf],
  logLevel: "warning",
});
console.log(`page built into ${dist}`);

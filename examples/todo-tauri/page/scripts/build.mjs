// Builds the page into dist/: protobuf-es types for the app's schema (buf with the local
// protoc-gen-es plugin, offline) into src/gen/, then one bundle with esbuild.
//
// The schema's .proto files live in three places (the protocol's errors.proto, the to-do app's
// and this example's own), so they are copied into one temporary buf module first.

import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const page = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(page, "..", "..", "..");
const env = { ...process.env, PATH: `${join(page, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };

const tmp = mkdtempSync(join(tmpdir(), "todo-tauri-proto-"));
try {
  const proto = join(tmp, "proto");
  cpSync(join(repo, "schema", "proto", "eventwire", "v1", "errors.proto"), join(proto, "eventwire", "v1", "errors.proto"));
  cpSync(join(repo, "examples", "todo", "proto", "todo"), join(proto, "todo"), { recursive: true });
  cpSync(join(page, "..", "proto", "selftest"), join(proto, "selftest"), { recursive: true });
  writeFileSync(join(tmp, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n");
  const out = join(page, "src", "gen");
  rmSync(out, { recursive: true, force: true });
  writeFileSync(
    join(tmp, "buf.gen.yaml"),
    `version: v2\nplugins:\n  - local: protoc-gen-es\n    out: ${JSON.stringify(out)}\n    opt: [target=ts, import_extension=js]\n`,
  );
  const r = spawnSync("buf", ["generate"], { cwd: tmp, env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (process.argv.includes("--generate-only")) process.exit(0);

// One copy of protobuf-es for the page and for @eventwire/client (taken from its sources).
const oneProtobuf = {
  name: "one-protobuf",
  setup(build) {
    build.onResolve({ filter: /^@bufbuild\/protobuf(\/.*)?$/ }, (args) =>
      args.resolveDir === page ? undefined : build.resolve(args.path, { resolveDir: page, kind: args.kind }),
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
  alias: { "@eventwire/client": join(repo, "bindings", "ts", "src", "index.ts") },
  plugins: [oneProtobuf],
  logLevel: "warning",
});
console.log(`page built into ${dist}`);

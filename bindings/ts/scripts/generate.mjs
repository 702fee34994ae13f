// Regenerates everything generated in this package, or with --check proves that regenerating
// changes nothing.
//
// - src/gen/eventwire/v1/: the protocol's message types (the runtime ships them), by
//   protoc-gen-es through `buf generate` (local plugin, offline) from ../../schema/proto.
// - conformance/gen/: the front end of the repository's own schema (the conformance module and
//   the sample app), which the conformance testee and the tests use exactly as an application
//   uses its own: `eventwire-tools codegen ts` (run through cargo from the repository root), which
//   runs protoc-gen-es for the messages and writes the event layer beside them.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runWorkspaceBin } from "./workspace-bin.mjs";

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const check = process.argv.includes("--check");
const env = {
  ...process.env,
  PATH: `${join(pkg, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
};

/** The protocol's files, the only messages this package contains. */
const PROTOCOL = ["envelope", "errors", "notification", "stream"].map(
  (f) => `../../schema/proto/eventwire/v1/${f}.proto`,
);

/** The repository's own schema, generated as an application would generate its own. */
const APP = {
  out: "bindings/ts/conformance/gen",
  proto: ["schema/proto"],
  tables: ["schema/events"],
};

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: pkg, env, stdio: "inherit", ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

let failed = false;

// 1. The runtime's protocol messages, by protoc-gen-es.
const buf = ["generate", "../../schema/proto", ...PROTOCOL.flatMap((p) => ["--path", p])];
const protoDir = join("src", "gen", "eventwire");
if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "eventwire-ts-gen-"));
  try {
    if (run("buf", [...buf, "--output", tmp]) !== 0) process.exit(1);
    const fresh = join(tmp, protoDir);
    const current = join(pkg, protoDir);
    const a = files(fresh);
    const b = files(current);
    for (const f of new Set([...a, ...b])) {
      if (!a.includes(f)) console.error(`${protoDir}/${f}: no longer generated; delete it`);
      else if (!b.includes(f)) console.error(`${protoDir}/${f}: missing (run npm run generate)`);
      else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(current, f)))) {
        console.error(`${protoDir}/${f}: out of date (run npm run generate)`);
      } else continue;
      failed = true;
    }
    if (!failed) console.log(`${protoDir}: ${a.length} files current (buf generate)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  rmSync(join(pkg, protoDir), { recursive: true, force: true });
  if (run("buf", buf) !== 0) process.exit(1);
  console.log(`${protoDir}: regenerated`);
}

// 2. The repository's schema, as an app: eventwire-tools codegen ts.
const codegen = [
  "codegen",
  "ts",
  ...APP.proto.flatMap((p) => ["--proto", p]),
  ...APP.tables.flatMap((t) => ["--tables", t]),
  "--out",
  APP.out,
  "--protoc-gen-es",
  join(pkg, "node_modules", ".bin", "protoc-gen-es"),
  ...(check ? ["--check"] : []),
];
if (runWorkspaceBin("eventwire-tools", "eventwire-tools", codegen, { env }) !== 0) failed = true;

process.exit(failed ? 1 : 0);

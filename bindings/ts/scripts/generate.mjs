// Regenerates everything under src/gen/, or with --check proves that regenerating changes nothing.
//
// - src/gen/eventwire/: message types, by protoc-gen-es through `buf generate` (local plugin,
//   offline) from ../../schema/proto.
// - src/gen/events/: the event layer, by `eventwire-tools codegen ts [--check]` from the event
//   tables (run through cargo from the repository root).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(pkg, "..", "..");
const check = process.argv.includes("--check");
const env = { ...process.env, PATH: `${join(pkg, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };

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

// 1. protoc-gen-es.
const protoDir = join("src", "gen", "eventwire");
if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "eventwire-ts-gen-"));
  try {
    if (run("buf", ["generate", "../../schema/proto", "--output", tmp]) !== 0) process.exit(1);
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
  if (run("buf", ["generate", "../../schema/proto"]) !== 0) process.exit(1);
  console.log(`${protoDir}: regenerated`);
}

// 2. eventwire-tools.
const codegen = ["run", "--quiet", "-p", "eventwire-tools", "--", "codegen", "ts", ...(check ? ["--check"] : [])];
const cargo = spawnSync("cargo", codegen, { cwd: repo, env, stdio: "inherit" });
if (cargo.error) {
  console.error(`src/gen/events: cannot run \`cargo ${codegen.join(" ")}\`: ${cargo.error.message}`);
  failed = true;
} else if (cargo.status !== 0) {
  failed = true;
}

process.exit(failed ? 1 : 0);

// Regenerates everything under src/gen/, or with --check proves that regenerating changes nothing.
//
// - src/gen/eventwire/: message types, by protoc-gen-es through `buf generate` (local plugin,
//   offline) from ../../schema/proto.
// - src/gen/events/: the event layer, by eventwire-tools from the event tables. Until the
//   `eventwire-tools codegen ts` command is available this runs the generator's test in the
//   tools crate, which checks (or with EVENTWIRE_BLESS=1 writes) the same files.

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
if (spawnSync("cargo", ["--version"], { stdio: "ignore" }).error) {
  console.log("SKIPPED: src/gen/events is checked by `cargo test -p eventwire-tools`, and cargo is not on PATH");
} else {
  const status = run(
    "cargo",
    ["test", "--quiet", "-p", "eventwire-tools", "--test", "codegen_ts", "--", "checked_in_files_are_current"],
    { cwd: repo, env: check ? env : { ...env, EVENTWIRE_BLESS: "1" } },
  );
  if (status !== 0) failed = true;
}

process.exit(failed ? 1 : 0);

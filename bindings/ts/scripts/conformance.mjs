// Runs the Eventwire conformance suite, binding role, against this package's testee
// (conformance/testee.ts) and fails on any case that does not pass. Arguments are passed on to
// the runner, e.g. `npm run conformance -- --filter encoding`.
//
// The runner is the workspace's `eventwire-conformance` crate, built in release mode (the same
// build as the suite's main job). The testee runs from this directory, so `tsx` resolves here.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const testee = "node --conditions=@eventwire/source --import tsx conformance/testee.ts";
const args = [
  "run",
  "--release",
  "--quiet",
  "-p",
  "eventwire-conformance",
  "--",
  "--testee",
  testee,
  "--role",
  "binding",
  "--quiet",
  ...process.argv.slice(2),
];

// Under `make test`, EVENTWIRE_BIN_DIR names the directory of the workspace's one build, so the
// runner is not built a second time in another profile.
const bin = process.env.EVENTWIRE_BIN_DIR;
const r = bin
  ? spawnSync(join(bin, "eventwire-conformance"), args.slice(args.indexOf("--") + 1), {
      cwd: pkg,
      stdio: "inherit",
    })
  : spawnSync("cargo", args, { cwd: pkg, stdio: "inherit" });
if (r.error) {
  console.error(
    `conformance: cannot run cargo (${r.error.message}); the suite runner is a Rust crate of this repository`,
  );
  process.exit(1);
}
process.exit(r.status ?? 1);

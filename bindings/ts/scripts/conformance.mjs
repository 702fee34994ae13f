// Runs the Eventwire conformance suite, binding role, against this package's testee
// (conformance/testee.ts) and fails on any case that does not pass. Arguments are passed on to
// the runner, e.g. `npm run conformance -- --filter encoding`.
//
// The runner is the workspace's `eventwire-conformance` crate: run alone, built in release mode
// (the same build as the suite's main job); under `make test`, from the workspace's one debug
// build. The testee runs from this directory, so `tsx` resolves here.

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runWorkspaceBin } from "./workspace-bin.mjs";

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const testee = "node --conditions=@eventwire/source --import tsx conformance/testee.ts";
const args = ["--testee", testee, "--role", "binding", "--quiet", ...process.argv.slice(2)];

process.exit(
  runWorkspaceBin("eventwire-conformance", "eventwire-conformance", args, {
    release: true,
    cwd: pkg,
  }),
);

// Runs a binary of this repository's Cargo workspace, for the scripts of bindings/ts and the
// examples. Under `make test`, EVENTWIRE_BIN_DIR names the directory of the workspace's one build
// and the binary runs from there: `cargo run -p` would build the dependencies again with another
// feature set (and `--release` in another profile). Run alone, the script goes through cargo.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * Runs `bin` of workspace package `pkg` with `args` (spawnSync `options`, cwd the repository's
 * root unless given) and returns its exit status; a binary that cannot be started is reported.
 */
export function runWorkspaceBin(pkg, bin, args, { release = false, ...options } = {}) {
  const dir = process.env.EVENTWIRE_BIN_DIR;
  const [command, argv] = dir
    ? [join(dir, bin), args]
    : [
        "cargo",
        [
          "run",
          "--quiet",
          "--locked",
          ...(release ? ["--release"] : []),
          "-p",
          pkg,
          "--bin",
          bin,
          "--",
          ...args,
        ],
      ];
  const r = spawnSync(command, argv, { cwd: repo, stdio: "inherit", ...options });
  if (r.error) {
    console.error(`cannot run ${command} ${argv.join(" ")}: ${r.error.message}`);
    return 1;
  }
  return r.status ?? 1;
}

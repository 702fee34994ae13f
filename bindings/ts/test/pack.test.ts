// What `npm pack` of @eventwire/client would publish: the runtime, and no application's messages
// (neither the sample app's nor the conformance module's nor the testee protocol's).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");

it("npm pack contains the runtime and no sample-app or conformance messages", () => {
  // --dry-run still runs prepack (the build), so dist/ is what would be published.
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts=false"], {
    cwd: pkg,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const files: string[] = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map(
    (f) => f.path,
  );
  for (const f of [
    "dist/index.js",
    "dist/index.d.ts",
    "dist/node.js",
    "dist/mock.js",
    "dist/gen/eventwire/v1/errors_pb.js",
    "src/index.ts",
    "package.json",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
  ]) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  const app = files.filter((f) =>
    /conformance|testee|user_pb|document_pb|gen\/events|\/test\//.test(f),
  );
  assert.deepEqual(app, [], "no application messages or event layers");
  const messages = files.filter((f) => f.endsWith("_pb.js")).sort();
  assert.deepEqual(messages, [
    "dist/gen/eventwire/v1/envelope_pb.js",
    "dist/gen/eventwire/v1/errors_pb.js",
    "dist/gen/eventwire/v1/notification_pb.js",
    "dist/gen/eventwire/v1/stream_pb.js",
  ]);
});

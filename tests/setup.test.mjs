// `npm run setup` is idempotent: once everything is in place, running it
// again installs and rebuilds nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ROOT, run, text } from "./helpers/run.mjs";

const setup = () => run("npm", ["run", "--silent", "setup"], { cwd: ROOT, timeout: 600_000 });

test("a second npm run setup finds nothing to do", async () => {
  const first = await setup();
  assert.equal(first.status, 0, text(first.stderr));
  const again = await setup();
  assert.equal(again.status, 0, text(again.stderr));
  const said = text(again.stdout) + text(again.stderr);
  assert.doesNotMatch(said, /installing Debian packages|npm ci|added \d+ packages/);
  assert.doesNotMatch(said, /Building C object|Linking C/);
  assert.doesNotMatch(said, /Configuring done|-- Generating/);
});

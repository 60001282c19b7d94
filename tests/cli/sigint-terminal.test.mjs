// Ctrl-C in a terminal, where Python polls for it while it computes: a
// program that catches the KeyboardInterrupt goes on, however long, as
// under python3; nothing ends it a moment later.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KEY, onTerminal } from "../helpers/pty.mjs";
import { PYRUN, PYRUN_NODE, scratch } from "../helpers/run.mjs";

test("a busy program that catches Ctrl-C in a terminal runs on to its end", async () => {
  const dir = scratch({
    "main.py": `
import time
try:
    print("busy", flush=True)
    while True:
        pass
except KeyboardInterrupt:
    print("caught", flush=True)
start = time.monotonic()
while time.monotonic() - start < 2.5:
    pass
print("still running, done")
`,
  });
  const t = onTerminal(PYRUN_NODE, [PYRUN, "main.py"], { cwd: dir });
  await t.waitFor("busy");
  t.type(KEY.ctrlC);
  await t.waitFor("caught");
  const { status } = await t.exit();
  assert.match(t.screen(), /caught\nstill running, done$/);
  assert.equal(status, 0);
});

// Ctrl-C (SIGINT) raises KeyboardInterrupt in the program, wherever it is,
// and an unhandled one ends it with a traceback and status 130.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

// Runs the program, presses Ctrl-C once it printed "ready".
function interrupted(source) {
  const dir = scratch({ "main.py": source });
  let sent = false;
  const result = pyrun(["main.py"], {
    cwd: dir,
    onStdout(out, child) {
      if (!sent && out.includes("ready")) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), 200);
      }
    },
  });
  return result.then((r) => ({ ...r, file: path.join(dir, "main.py") }));
}

test("Ctrl-C during a busy loop raises KeyboardInterrupt at the running line", async () => {
  const r = await interrupted(`
print("ready", flush=True)
def spin():
    n = 0
    while True:
        n += 1
spin()
`);
  assert.equal(r.status, 130);
  const err = text(r.stderr);
  assert.match(err, /^Traceback \(most recent call last\):\n/);
  assert.ok(err.includes(`  File "${r.file}", line 7, in <module>`));
  assert.ok(err.includes(`  File "${r.file}", line 6, in spin`) || err.includes(`  File "${r.file}", line 5, in spin`));
  assert.match(err, /\nKeyboardInterrupt\n$/);
});

test("Ctrl-C while the program awaits lands at that await", async () => {
  const r = await interrupted(`
import asyncio
print("ready", flush=True)
async def nap():
    await asyncio.sleep(60)
await nap()
`);
  assert.equal(r.status, 130);
  const err = text(r.stderr);
  assert.ok(err.includes(`  File "${r.file}", line 6, in <module>`));
  assert.ok(err.includes(`  File "${r.file}", line 5, in nap`));
  assert.match(err, /\nKeyboardInterrupt\n$/);
});

test("a KeyboardInterrupt the program catches does not end it", async () => {
  const r = await interrupted(`
import asyncio
print("ready", flush=True)
try:
    await asyncio.sleep(60)
except KeyboardInterrupt:
    print("caught, cleaning up")
`);
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout), "ready\ncaught, cleaning up\n");
});

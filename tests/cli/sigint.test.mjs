// Ctrl-C (SIGINT) raises KeyboardInterrupt in the program, wherever it is,
// and an unhandled one ends it with a traceback and status 130.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { PYRUN, PYRUN_CMD, pyrun, run, scratch, text } from "../helpers/run.mjs";

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

const BUSY = `
print("ready", flush=True)
def spin():
    n = 0
    while True:
        n += 1
spin()
`;

// In a terminal (a pty from util-linux's script), where a human presses
// Ctrl-C, Python polls for it: KeyboardInterrupt at the running line.
test("Ctrl-C in a terminal during a busy loop raises KeyboardInterrupt where it runs", async () => {
  const dir = scratch({ "busy.py": BUSY });
  const log = path.join(dir, "tty.log");
  const command = `${PYRUN_CMD} busy.py`;
  const done = run("script", ["-qec", command, log], { cwd: dir });
  for (let i = 0; i < 300 && !(fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("ready")); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  await run("pkill", ["-INT", "-f", `${PYRUN} busy.py$`]);
  const r = await done;
  const out = fs.readFileSync(log, "utf8").replaceAll("\r", "");
  assert.match(out, /COMMAND_EXIT_CODE="130"/);
  assert.ok(out.includes(`  File "${path.join(dir, "busy.py")}", line 7, in <module>`));
  assert.match(out, /line [56], in spin/);
  assert.match(out, /\nKeyboardInterrupt\n/);
  assert.equal(r.status, 130);
});

// Not in a terminal, Python runs without polling (at full speed): a
// Ctrl-C that a busy program cannot take ends it as CPython would end.
test("Ctrl-C outside a terminal ends a busy program with KeyboardInterrupt and 130", async () => {
  const r = await interrupted(BUSY);
  // Like CPython, it dies of the signal itself: a shell shows status 130.
  assert.ok(r.status === 130 || r.signal === "SIGINT", `status ${r.status}, signal ${r.signal}`);
  assert.match(text(r.stderr), /KeyboardInterrupt\n$/);
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

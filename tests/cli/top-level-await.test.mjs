// The main script may await at module level.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

test("await asyncio.sleep at module level works, and tasks run meanwhile", async () => {
  const dir = scratch({
    "main.py": `
import asyncio, time
async def tick():
    for i in range(3):
        print("tick", i)
        await asyncio.sleep(0.02)
start = time.monotonic()
task = asyncio.create_task(tick())
await asyncio.sleep(0.1)
print("slept", time.monotonic() - start >= 0.1)
await task
print("done")
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir });
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "tick 0\ntick 1\ntick 2\nslept True\ndone\n");
  assert.equal(r.status, 0);
});

test("asyncio.gather and a value returned through top-level await", async () => {
  const r = await pyrun(["-c", `
import asyncio
async def double(x):
    await asyncio.sleep(0.01)
    return 2 * x
print(await asyncio.gather(*(double(i) for i in range(5))))
`]);
  assert.equal(text(r.stdout), "[0, 2, 4, 6, 8]\n");
});

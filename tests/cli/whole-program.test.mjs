// The program as a whole on one event loop: input() that lets other tasks
// run, tasks that outlive the main code, Ctrl-C while they run, and a
// program left waiting for something that can never come.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

test("while input() waits on a pipe, other tasks keep running", async () => {
  const dir = scratch({
    "main.py": `
import asyncio
async def ticker():
    for i in range(3):
        print("tick", i, flush=True)
        await asyncio.sleep(0.05)
asyncio.ensure_future(ticker())
name = input("name? ")
print("hello", name)
`,
  });
  let sent = false;
  const r = await pyrun(["main.py"], {
    cwd: dir,
    keepStdinOpen: true,
    onStdout(out, child) {
      // Written only once the prompt is out and the ticker has had time.
      if (!sent && out.includes("name? ")) {
        sent = true;
        setTimeout(() => child.stdin.end("bob\n"), 500);
      }
    },
  });
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "name? tick 0\ntick 1\ntick 2\nhello bob\n");
});

test("a leftover task that fails reports its traceback; the exit status is the script's", async () => {
  const dir = scratch({
    "main.py": `
import asyncio
async def failing():
    await asyncio.sleep(0.05)
    raise ValueError("task failed")
asyncio.ensure_future(failing())
print("main: done")
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir });
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout), "main: done\n");
  const err = text(r.stderr);
  assert.ok(err.includes(`File "${path.join(dir, "main.py")}", line 5, in failing`), err);
  assert.match(err, /ValueError: task failed\n/);
});

test("Ctrl-C while leftover tasks run cancels them and shows where one was", async () => {
  const dir = scratch({
    "main.py": `
import asyncio, time
def tick():
    try:
        while True:
            time.sleep(0.05)
    finally:
        print("ticker: cleaned up", flush=True)
async def ticker():
    tick()
asyncio.ensure_future(ticker())
print("ready", flush=True)
`,
  });
  let sent = false;
  const r = await pyrun(["main.py"], {
    cwd: dir,
    onStdout(out, child) {
      if (!sent && out.includes("ready")) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), 300);
      }
    },
  });
  assert.equal(r.status, 130);
  assert.equal(text(r.stdout), "ready\nticker: cleaned up\n");
  const file = path.join(dir, "main.py");
  const err = text(r.stderr);
  assert.ok(err.startsWith("Traceback (most recent call last):\n"), err);
  assert.ok(err.includes(`  File "${file}", line 10, in ticker\n`), err);
  assert.ok(err.includes(`  File "${file}", line 6, in tick\n`), err);
  assert.match(err, /\nKeyboardInterrupt\n$/);
});

test("a program that awaits what nothing can complete ends with a clear error", async () => {
  const dir = scratch({
    "main.py": `
import asyncio
print("waiting")
await asyncio.get_running_loop().create_future()
print("never")
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir });
  assert.equal(r.status, 1);
  assert.equal(text(r.stdout), "waiting\n");
  assert.ok(text(r.stderr).includes(`  File "${path.join(dir, "main.py")}", line 4, in <module>\n`));
  assert.match(
    text(r.stderr),
    /\nRuntimeError: the program is stuck: it awaits something that nothing left running can complete\n$/,
  );
});

test("leftover tasks stuck on what nothing completes do not keep pyrun alive", async () => {
  const dir = scratch({
    "main.py": `
import asyncio
async def forever():
    await asyncio.get_running_loop().create_future()
asyncio.ensure_future(forever())
print("main: done")
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir });
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout), "main: done\n");
  assert.equal(text(r.stderr), "");
});

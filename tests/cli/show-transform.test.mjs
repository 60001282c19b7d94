// `pyrun --show-transform file.py` prints the program as pyrun runs it and
// what was rewritten and why, without running it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

test("--show-transform prints the rewritten source and the notes, and runs nothing", async () => {
  const dir = scratch({
    "app.py": `import time

def fetch(n):
    time.sleep(0.1)
    return n

def fetch_all(ns):
    return [fetch(n) for n in ns]

print("ran!", fetch_all([1, 2]))
`,
  });
  const r = await pyrun(["--show-transform", "app.py"], { cwd: dir });
  assert.equal(r.status, 0);
  const out = text(r.stdout);
  assert.doesNotMatch(out, /^ran!/m);
  assert.match(out, /^@__pyrun__\.face\nasync def fetch\(n\):\n    await __pyrun__\.sleep\(time\.sleep, 0\.1\)/m);
  assert.match(out, /^@__pyrun__\.face\nasync def fetch_all\(ns\):\n    return \[await __pyrun__\.call\(fetch, n\) for n in ns\]/m);
  assert.match(out, /^print\('ran!', await __pyrun__\.call\(fetch_all, \[1, 2\]\)\)$/m);
  assert.match(out, /^# app\.py:4 time\.sleep -> await asyncio\.sleep$/m);
  assert.match(out, /^# app\.py:3 fetch colored: time\.sleep \(line 4\)$/m);
  assert.match(out, /^# app\.py:7 fetch_all colored: calls fetch \(line 8\)$/m);
});

test("--show-transform of a program that never blocks says so and returns it unchanged", async () => {
  const source = "x = 1\nprint(x + 1)\n";
  const r = await pyrun(["--show-transform", "-c", source]);
  assert.equal(text(r.stdout), `${source}\n# pyrun: nothing blocks, nothing to rewrite\n`);
});

test("--show-transform reports a syntax error as running would", async () => {
  const dir = scratch({ "bad.py": "def f(:\n" });
  const r = await pyrun(["--show-transform", "bad.py"], { cwd: dir });
  assert.equal(r.status, 1);
  assert.match(text(r.stderr), /SyntaxError/);
});

test("--show-transform of a blocking property read assigned to a name prints its rewrite", async () => {
  const dir = scratch({
    "prop.py": "import time\nclass B:\n    @property\n    def p(self):\n        time.sleep(0)\nr = B().p\nprint(r)\n",
  });
  const r = await pyrun(["--show-transform", "prop.py"], { cwd: dir });
  assert.equal(r.status, 0, text(r.stderr));
  const out = text(r.stdout);
  assert.match(out, /^    @property\n    @__pyrun__\.face\n    async def p\(self\):\n        await __pyrun__\.sleep\(time\.sleep, 0\)$/m);
  assert.match(out, /^r = await __pyrun__\.getattr\(B\(\), 'p'\)\nprint\(r\)$/m);
  assert.match(out, /^# prop\.py:6 read of property p whose getter blocks -> await$/m);
});

// Tracebacks show the user's own files, lines and function names, and no
// frame of pyrun or Pyodide.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, python3, scratch, text } from "../helpers/run.mjs";

// The frame lines of a traceback ("File ..., line N, in name"). Python 3.12
// inlined comprehensions (PEP 709): 3.11's extra comprehension frames are
// a version difference, not pyrun's.
const frames = (stderr) =>
  text(stderr)
    .split("\n")
    .filter((l) => l.startsWith("  File ") && !/, in <(listcomp|dictcomp|setcomp)>$/.test(l));

const MACHINERY = /<exec>|\/_pyodide\/|\/pyodide\/|site-packages\/pyrun|<frozen /;

test("a traceback through several functions and modules names only user frames", async () => {
  const dir = scratch({
    "helper.py": "def parse(text):\n    return int(text)\n\ndef load(values):\n    return [parse(v) for v in values]\n",
    "main.py": "import helper\n\nclass Job:\n    def run(self):\n        return helper.load(['1', 'x'])\n\nJob().run()\n",
  });
  const [ours, theirs] = await Promise.all([pyrun(["main.py"], { cwd: dir }), python3(["main.py"], { cwd: dir })]);
  assert.equal(ours.status, 1);
  assert.deepEqual(frames(ours.stderr), frames(theirs.stderr));
  assert.ok(frames(ours.stderr).length >= 4);
  for (const line of frames(ours.stderr)) assert.doesNotMatch(line, MACHINERY);
  assert.match(text(ours.stderr), /ValueError: invalid literal for int\(\) with base 10: 'x'\n$/);
});

test("chained exceptions keep both tracebacks and the linking sentence", async () => {
  const source = `
def fetch():
    raise KeyError("k")

def handle():
    try:
        fetch()
    except KeyError as e:
        raise RuntimeError("wrapped") from e

handle()
`;
  const dir = scratch({ "main.py": source });
  const [ours, theirs] = await Promise.all([pyrun(["main.py"], { cwd: dir }), python3(["main.py"], { cwd: dir })]);
  assert.deepEqual(frames(ours.stderr), frames(theirs.stderr));
  assert.ok(text(ours.stderr).includes("The above exception was the direct cause of the following exception:"));
});

test("an error raised while importing a user module shows the module's file and line", async () => {
  const dir = scratch({ "broken.py": "x = 1\nraise ImportError('no good')\n", "main.py": "import broken\n" });
  const [ours, theirs] = await Promise.all([pyrun(["main.py"], { cwd: dir }), python3(["main.py"], { cwd: dir })]);
  assert.deepEqual(frames(ours.stderr), frames(theirs.stderr));
  for (const line of frames(ours.stderr)) assert.doesNotMatch(line, MACHINERY);
});

test("-c and stdin programs are named <string> and <stdin> as in CPython", async () => {
  const code = "def f():\n    raise TypeError('t')\nf()\n";
  const [c1, c2] = await Promise.all([pyrun(["-c", code]), python3(["-c", code])]);
  assert.deepEqual(frames(c1.stderr), frames(c2.stderr));
  const [s1, s2] = await Promise.all([pyrun(["-"], { input: code }), python3(["-"], { input: code })]);
  assert.deepEqual(frames(s1.stderr), frames(s2.stderr));
  assert.equal(s1.status, 1);
});

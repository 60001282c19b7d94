// Exit statuses and messages match CPython's for every way a program ends.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";

import { pyrun, python3, scratch, text } from "../helpers/run.mjs";

async function sameEnd(files, args = ["main.py"]) {
  const dir = scratch(files);
  const [ours, theirs] = await Promise.all([pyrun(args, { cwd: dir }), python3(args, { cwd: dir })]);
  assert.equal(ours.status, theirs.status);
  return { ours, theirs, dir };
}

test("sys.exit(n) and raise SystemExit(n) exit with n, silently", async () => {
  for (const code of ["import sys\nsys.exit(3)\n", "raise SystemExit(42)\n", "import sys\nsys.exit()\n", "import sys\nsys.exit(True)\n"]) {
    const { ours } = await sameEnd({ "main.py": code });
    assert.equal(text(ours.stderr), "");
  }
});

test('sys.exit("msg") prints msg on stderr and exits 1', async () => {
  const { ours } = await sameEnd({ "main.py": "import sys\nsys.exit('bad input: x')\n" });
  assert.equal(ours.status, 1);
  assert.equal(text(ours.stderr), "bad input: x\n");
});

test("an uncaught exception prints its traceback and exits 1", async () => {
  const { ours, dir } = await sameEnd({ "main.py": "def f():\n    return 1 / 0\nf()\n" });
  assert.equal(ours.status, 1);
  const err = text(ours.stderr);
  assert.match(err, /^Traceback \(most recent call last\):\n/);
  assert.ok(err.includes(`  File "${path.join(dir, "main.py")}", line 3, in <module>\n`));
  assert.ok(err.includes(`  File "${path.join(dir, "main.py")}", line 2, in f\n    return 1 / 0\n`));
  assert.match(err, /ZeroDivisionError: division by zero\n$/);
});

test("a missing script exits 2 naming its absolute path", async () => {
  const dir = scratch();
  const r = await pyrun(["nope.py"], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(text(r.stderr), `pyrun: can't open file '${path.join(dir, "nope.py")}': [Errno 2] No such file or directory\n`);
  const theirs = await python3(["nope.py"], { cwd: dir });
  assert.equal(text(r.stderr).replace(/^pyrun/, ""), text(theirs.stderr).replace(/^\S+?python3\.11/, ""));
});

test("a syntax error is reported as CPython does: file, line, caret, exit 1", async () => {
  const { ours, theirs } = await sameEnd({ "main.py": "x = 1\nif x\n    print(x)\n" });
  assert.equal(ours.status, 1);
  assert.equal(text(ours.stderr), text(theirs.stderr));
});

test("bad UTF-8 in the source is a SyntaxError naming the file, exit 1", async () => {
  const { ours, theirs, dir } = await sameEnd({ "main.py": Buffer.from("print('ok')\ns = '\xe9t\xe9'\n", "latin1") });
  assert.equal(ours.status, 1);
  assert.equal(text(ours.stderr), text(theirs.stderr));
  assert.ok(text(ours.stderr).includes(path.join(dir, "main.py")));
  assert.equal(text(ours.stdout), "");
});

test("a directory as the script: its __main__.py runs, otherwise CPython's message", async () => {
  const withMain = await sameEnd({ "app/__main__.py": "import sys\nprint('app', sys.argv)\n" }, ["app"]);
  assert.equal(text(withMain.ours.stdout), text(withMain.theirs.stdout));
  const dir = scratch({ "empty/readme.txt": "" });
  const r = await pyrun(["empty"], { cwd: dir });
  // CPython exits 1 here, not 2: pyrun follows CPython.
  assert.equal(r.status, 1);
  assert.equal(text(r.stderr), `pyrun: can't find '__main__' module in '${path.join(dir, "empty")}'\n`);
});

test("a huge or deeply nested source fails cleanly, as CPython", async () => {
  const deep = "x = " + "(".repeat(300) + "1" + ")".repeat(300) + "\n";
  const { ours, theirs } = await sameEnd({ "main.py": deep });
  assert.equal(ours.status, 1);
  assert.match(text(ours.stderr), /SyntaxError: too many nested parentheses/);
  assert.match(text(theirs.stderr), /SyntaxError: too many nested parentheses/);

  const huge = Array.from({ length: 200_000 }, (_, i) => `v${i} = ${i}`).join("\n") + "\nprint(v199999)\n";
  const big = await sameEnd({ "main.py": huge });
  assert.equal(text(big.ours.stdout), "199999\n");
});

// What a user sees when pyrun itself fails rather than the program: one
// clear line on stderr and a non-zero status, never a hang, a JS stack or
// anything on stdout.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

// PYRUN_TEST_FAULT=transform[:FILE] makes the rewrite fail as a bug would,
// at the module's last statement (runtime/transform/rewrite_stmt.c).
const FAULT = { PYRUN_TEST_FAULT: "transform" };

test("a transform that fails unexpectedly ends the program with one line naming the file and line", async () => {
  const dir = scratch({ "main.py": 'import time\nprint("started")\ntime.sleep(0)\n' });
  const r = await pyrun(["main.py"], { cwd: dir, env: FAULT });
  assert.equal(text(r.stdout), "");
  assert.equal(
    text(r.stderr),
    `pyrun: internal error in the transform at ${dir}/main.py:3: SystemError: injected fault (PYRUN_TEST_FAULT=transform)\n`,
  );
  assert.equal(r.status, 1);
});

test("the same failure in a module imported at run time is not swallowed by the program's except", async () => {
  const dir = scratch({
    "main.py": `import sys, os
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "later"))
os.makedirs(os.path.join(os.path.dirname(__file__), "later"), exist_ok=True)
with open(os.path.join(os.path.dirname(__file__), "later", "made.py"), "w") as f:
    f.write("import time\\ntime.sleep(0)\\nVALUE = 1\\n")
try:
    import made
except Exception as e:
    print("caught", type(e).__name__)
print("after")
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir, env: { PYRUN_TEST_FAULT: "transform:made.py" } });
  assert.equal(text(r.stdout), "");
  assert.match(text(r.stderr), /^pyrun: internal error in the transform at .*\/later\/made\.py:3: SystemError: injected fault/);
  assert.equal(text(r.stderr).split("\n").length, 2, text(r.stderr));
  assert.equal(r.status, 1);
});

test("an interpreter crash dumps the Python stack on stderr, never on stdout, and exits with the abort status", async () => {
  // A null C function pointer: CPython dies of SIGSEGV here.
  const dir = scratch({ "crash.py": 'print("before")\nimport ctypes\nctypes.CFUNCTYPE(None)(0)()\nprint("after")\n' });
  const r = await pyrun(["-u", "crash.py"], { cwd: dir });
  assert.equal(text(r.stdout), "before\n");
  const err = text(r.stderr);
  assert.match(err, /^Fatal Python error: the interpreter crashed: \w+Error: .+\nStack \(most recent call first\):\n/);
  assert.match(err, new RegExp(`File "${dir}/crash.py", line 3 in <module>\\n$`));
  assert.doesNotMatch(err, /webloop|Pyodide has suffered|at .*\.mjs:\d+/);
  assert.equal(r.status, 134);
});

// Every .py of Pyodide's standard library goes through the transform, and
// what comes out must still compile: the transform never breaks a module
// whatever it contains. Reports how many there were and how many it
// rewrote.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyodideWithRuntime } from "../helpers/pyodide.mjs";

const SWEEP = `
import sys, zipfile, pyrun
stdlib = next(p for p in sys.path if p.endswith(".zip"))
checked = rewritten = 0
failures = []
with zipfile.ZipFile(stdlib) as z:
    for name in z.namelist():
        if not name.endswith(".py"):
            continue
        source = z.read(name)
        try:
            compile(source, name, "exec")
        except SyntaxError:
            continue  # not valid Python to begin with (none expected)
        checked += 1
        try:
            pyrun._compile(source, name)
            rewritten += pyrun._rewrites(source, name) > 0
        except Exception as e:
            failures.append(f"{name}: {type(e).__name__}: {e}")
(checked, rewritten, failures)
`;

test("the transform of every stdlib module still compiles", { timeout: 600_000 }, async (t) => {
  const { pyodide } = await pyodideWithRuntime();
  const [checked, rewritten, failures] = pyodide.runPython(SWEEP).toJs();
  t.diagnostic(`stdlib modules checked: ${checked}, rewritten by the transform: ${rewritten}`);
  console.log(`stdlib sweep: ${checked} modules compiled after the transform, ${rewritten} of them rewritten`);
  assert.deepEqual(failures, []);
  assert.ok(checked > 500, `only ${checked} modules found`);
  assert.ok(rewritten > 10, "the sweep should exercise the transform, not only the prescan");
});

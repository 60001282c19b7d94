// Programs of several files (tests/programs): packages, circular imports,
// modules that block while imported, -m. Each prints what CPython 3.11
// prints for it (tracebacks compared by frames and messages), except the
// programs below, where cooperative sleeping is the point: CPython cannot
// run them as they are, and their expected output is written by hand.
import assert from "node:assert/strict";
import { test } from "node:test";

import { essentials } from "../cases/case-format.mjs";
import { describeProgramRun, listPrograms } from "../programs/program-format.mjs";
import { pyrun, text } from "../helpers/run.mjs";

const COOPERATIVE = {
  interleaving: "a task created at top level runs while the main code sleeps",
  leftover_tasks: "tasks outlive the script's code, as on a page or in Node",
  module_await: "a module with top-level await (a SyntaxError for CPython)",
};

const programs = listPrograms();

test("the programs CPython cannot run are exactly the ones listed", () => {
  const marked = programs.filter((p) => p.pyrunOnly).map((p) => p.name);
  assert.deepEqual(marked, Object.keys(COOPERATIVE).sort());
});

for (const p of programs) {
  test(`program ${p.name}${p.pyrunOnly ? " (pyrun only)" : ""}`, async () => {
    assert.ok(p.expected !== null, `${p.expectedFile} is missing: run tests/programs/regenerate.mjs`);
    const r = await pyrun(p.args, { cwd: p.dir });
    const got = describeProgramRun(p, { stdout: text(r.stdout), stderr: text(r.stderr), status: r.status });
    assert.equal(essentials(got), essentials(p.expected));
  });
}

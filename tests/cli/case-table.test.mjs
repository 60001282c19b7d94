// The transform's case table (tests/cases) end to end through `pyrun`, on
// Pyodide's Python 3.14: each program prints what CPython prints for it.
// Tracebacks are compared by frames and message (carets and 3.11's
// comprehension frames are version differences). Under a Node with JSPI,
// the cases where pyrun cannot make code async print what CPython prints.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeRun, essentials, listCases } from "../cases/case-format.mjs";
import { HAS_JSPI, pyrun, text } from "../helpers/run.mjs";

for (const c of listCases()) {
  test(`case ${c.name}`, async () => {
    const r = await pyrun([c.file], { input: c.stdin });
    const got = describeRun({ stdout: text(r.stdout), stderr: text(r.stderr), status: r.status });
    assert.equal(essentials(got), essentials(HAS_JSPI ? c.expectedWithJspi : c.expected));
  });
}

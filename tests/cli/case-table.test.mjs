// The transform's case table (tests/cases) end to end through `pyrun`, on
// Pyodide's Python 3.14: each program prints what CPython prints for it.
// Tracebacks are compared by frames and message (carets and 3.11's
// comprehension frames are version differences). Each case runs twice:
// as users run it, and in strict mode, where code pyrun could not make
// async raises BlockingError instead of waiting synchronously, so that a
// missing rewrite shows. Under a Node with JSPI, strict mode waits through
// JSPI, which is the same as the first run.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeRun, essentials, listCases, strictEssentials } from "../cases/case-format.mjs";
import { HAS_JSPI, pyrun, text } from "../helpers/run.mjs";

const MODES = HAS_JSPI ? [""] : ["", "strict"];

for (const c of listCases()) {
  for (const mode of MODES) {
    test(`case ${c.name}${mode ? ` (${mode})` : ""}`, async () => {
      const env = mode === "strict" ? { PYRUN_STRICT_ASYNC: "1" } : {};
      const r = await pyrun([c.file], { input: c.stdin, env });
      const got = describeRun({ stdout: text(r.stdout), stderr: text(r.stderr), status: r.status });
      if (mode === "strict" && c.expectedStrict !== c.expected) {
        assert.equal(strictEssentials(got), strictEssentials(c.expectedStrict));
      } else {
        assert.equal(essentials(got), essentials(HAS_JSPI ? c.expectedJspi : c.expected));
      }
    });
  }
}

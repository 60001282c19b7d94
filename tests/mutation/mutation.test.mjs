// The differential mutation tester (tests/mutation/tester.py, issue 12):
// real programs with a blocking call at the start of every function, under
// CPython 3.11 and under pyrun, compared. Asserts the pass rates against
// thresholds.mjs; the full report is in test-results/mutation-report.txt.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { PYRUN_NODE, PYTHON3, ROOT, run, text } from "../helpers/run.mjs";
import { MIN_PROGRAMS, THRESHOLDS } from "./thresholds.mjs";

const HERE = path.join(ROOT, "tests/mutation");
const RESULTS = path.join(ROOT, "test-results");

test("mutation: the mutation keeps docstrings, qualnames and results", async () => {
  const r = await run(PYTHON3, ["-m", "unittest", path.join(HERE, "test_mutate.py")], { cwd: ROOT });
  assert.equal(r.status, 0, text(r.stderr));
});

test("mutation: pyrun prints what CPython prints, at the recorded rates", { timeout: 20 * 60_000 }, async () => {
  const summaryFile = path.join(RESULTS, "mutation-summary.json");
  fs.rmSync(summaryFile, { force: true });
  const r = await run(PYTHON3, [path.join(HERE, "tester.py"), "--quiet", "--summary", summaryFile], {
    cwd: ROOT,
    env: { MUTATION_NODE: PYRUN_NODE },
    timeout: 20 * 60_000,
  });
  assert.equal(r.status, 0, `${text(r.stderr)}${text(r.stdout)}`);
  const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8"));
  assert.ok(summary.programs >= MIN_PROGRAMS, `only ${summary.programs} programs in the corpus`);
  const unbuilt = summary.records.filter((rec) => rec.class === "corpus build failed");
  assert.deepEqual(unbuilt.map((rec) => rec.id), [], "every program of the corpus builds");
  const report = text(r.stdout);
  for (const [key, min] of Object.entries(THRESHOLDS)) {
    const row = summary.rates[key];
    assert.ok(row, `no ${key} results`);
    const rate = 100 * row.rate;
    assert.ok(rate >= min, `${key}: ${rate.toFixed(2)}% < ${min}% (${row.passed}/${row.total})\n${report}`);
  }
});

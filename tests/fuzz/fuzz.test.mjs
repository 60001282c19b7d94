// Fuzzes the transform for a bounded time (FUZZ_SECONDS, default 60) with
// AddressSanitizer, seeded with real Python: the case table and Debian's
// python3.11 standard library. No crash, no sanitizer report, no leak.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { ROOT, run, text } from "../helpers/run.mjs";

const FUZZER = path.join(ROOT, "build/fuzz/transform_fuzzer");
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);

function seedCorpus() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyrun-fuzz-"));
  const cases = path.join(ROOT, "tests/cases");
  for (const f of fs.readdirSync(cases).filter((f) => f.endsWith(".py"))) {
    fs.copyFileSync(path.join(cases, f), path.join(dir, f));
  }
  const stdlib = "/usr/lib/python3.11";
  for (const f of fs.readdirSync(stdlib).filter((f) => f.endsWith(".py")).slice(0, 80)) {
    fs.copyFileSync(path.join(stdlib, f), path.join(dir, `stdlib_${f}`));
  }
  return dir;
}

test(`the transform survives ${SECONDS}s of fuzzing with AddressSanitizer`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const corpus = seedCorpus();
  const r = await run(
    FUZZER,
    [
      `-max_total_time=${SECONDS}`,
      "-max_len=65536",
      "-timeout=30",
      "-rss_limit_mb=4096",
      `-artifact_prefix=${corpus}/`,
      corpus,
    ],
    { env: { PYTHONMALLOC: "malloc", ASAN_OPTIONS: "detect_leaks=1" }, timeout: (SECONDS + 90) * 1000 },
  );
  const log = text(r.stderr);
  assert.equal(r.status, 0, log.slice(-4000));
  assert.match(log, /Done \d+ runs in \d+ second/);
  fs.rmSync(corpus, { recursive: true, force: true });
});

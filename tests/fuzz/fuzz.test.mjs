// The transform under AddressSanitizer (build/fuzz/transform_fuzzer, see
// transform_fuzzer.c for what counts as a finding):
//  - a sweep: every program of tests/ and every module of Pyodide's
//    standard library, as written and with every function made to block,
//    through the whole analysis and rewrite;
//  - structure-aware fuzzing (FUZZ_SECONDS_AST, default 120): valid
//    programs mutated as Python by tests/fuzz/ast_mutator.py;
//  - byte-level fuzzing (FUZZ_SECONDS, default 30) of arbitrary input.
// Each prints libFuzzer's figures: runs, executions per second and
// coverage (edges of pyrun's instrumented code).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { PYTHON3, ROOT, run, text } from "../helpers/run.mjs";

const FUZZER = path.join(ROOT, "build/fuzz/transform_fuzzer");
const MUTATOR = path.join(ROOT, "tests/fuzz/ast_mutator.py");
const CORPUS = path.join(ROOT, "tests/fuzz/corpus.py");
const AST_SECONDS = Number(process.env.FUZZ_SECONDS_AST ?? 120);
const BYTE_SECONDS = Number(process.env.FUZZ_SECONDS ?? 30);

const SANITIZERS = { PYTHONMALLOC: "malloc", ASAN_OPTIONS: "detect_leaks=1" };
const RESULTS = path.join(ROOT, "test-results");

// A different draw of seeds each day, reproducible with FUZZ_SEED.
const SEED = process.env.FUZZ_SEED ?? String(Math.floor(Date.now() / 86_400_000));

function corpus(kind, ...sample) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pyrun-fuzz-${kind}-`));
  const r = spawnSync(PYTHON3, [CORPUS, kind, dir, ...sample], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return { dir, count: Number(r.stdout.trim()) };
}

// "#1965 DONE cov: 2059 ft: 9133 corp: 619/7291Kb ... exec/s: 14 ..."
function figures(log) {
  const done = log.match(/DONE\s+cov: (\d+) ft: (\d+).*?exec\/s: (\d+)/);
  const runs = log.match(/Done (\d+) runs in (\d+) second/);
  assert.ok(done && runs, log.slice(-2000));
  return { edges: Number(done[1]), features: Number(done[2]), execsPerSecond: Number(done[3]), runs: Number(runs[1]) };
}

// What a failed run found, its report before libFuzzer's statistics (a
// long log's tail is all statistics), and where the input that found it
// is kept: test-results/fuzz-finding-*.
function finding(log) {
  const start = log.search(/==\d+==ERROR|transform_fuzzer: |Traceback \(most recent call last\)|==\d+== ?ERROR: libFuzzer/);
  const report = start < 0 ? log.slice(-6000) : log.slice(Math.max(0, start - 500), start + 6000);
  const saved = [...log.matchAll(/Test unit written to (\S+)/g)].map((m) => m[1]);
  fs.mkdirSync(RESULTS, { recursive: true });
  const kept = saved.filter((file) => fs.existsSync(file)).map((file) => {
    const to = path.join(RESULTS, `fuzz-finding-${path.basename(file)}`);
    fs.copyFileSync(file, to);
    return to;
  });
  const input = kept.length ? `\n--- the input (as mutated, before the transform) ---\n${fs.readFileSync(kept[0], "latin1").slice(0, 4000)}` : "";
  return `${report}\n\ninput kept as: ${kept.join(", ") || "(none written)"}${input}`;
}

async function fuzz(t, label, args, env) {
  const r = await run(FUZZER, ["-timeout=60", "-rss_limit_mb=8192", ...args], {
    env: { ...SANITIZERS, ...env },
    timeout: 900_000,
  });
  const log = text(r.stderr);
  if (r.status !== 0) {
    const found = finding(log);
    t.diagnostic(`${label} found:\n${found}`);
    assert.fail(`${label}: exit status ${r.status}\n${found}`);
  }
  const f = figures(log);
  const line = `${label}: ${f.runs} runs, ${f.execsPerSecond} exec/s, coverage ${f.edges} edges (${f.features} features)`;
  t.diagnostic(line);
  console.log(line);
  return f;
}

test("AddressSanitizer sweep: every test program and stdlib module, as written and blocking everywhere", { timeout: 900_000 }, async (t) => {
  const { dir, count } = corpus("sweep");
  assert.ok(count > 1000, `only ${count} programs`);
  // -runs=0: each input once, in full, and nothing more
  const f = await fuzz(t, `sanitizer sweep of ${count} programs`, ["-runs=0", "-max_len=8000000", dir], {
    PYRUN_FUZZ_MODE: "ast",
    PYRUN_FUZZ_MUTATOR: MUTATOR,
  });
  assert.ok(f.runs >= count, `${f.runs} runs for ${count} programs`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test(`structure-aware fuzzing for ${AST_SECONDS}s: valid programs, mutated as Python`, { timeout: (AST_SECONDS + 300) * 1000 }, async (t) => {
  const { dir } = corpus("seeds", "400", SEED);
  t.diagnostic(`seeds drawn with FUZZ_SEED=${SEED}`);
  const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "pyrun-fuzz-found-"));
  await fuzz(t, "structure-aware fuzzing", [
    `-max_total_time=${AST_SECONDS}`,
    "-max_len=16384",
    `-artifact_prefix=${artifacts}/`,
    dir,
  ], { PYRUN_FUZZ_MODE: "ast", PYRUN_FUZZ_MUTATOR: MUTATOR });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(artifacts, { recursive: true, force: true });
});

test(`byte-level fuzzing for ${BYTE_SECONDS}s`, { timeout: (BYTE_SECONDS + 300) * 1000 }, async (t) => {
  const { dir } = corpus("seeds", "200", SEED);
  await fuzz(t, "byte-level fuzzing", [`-max_total_time=${BYTE_SECONDS}`, "-max_len=16384", `-artifact_prefix=${dir}/`, dir], {});
  fs.rmSync(dir, { recursive: true, force: true });
});

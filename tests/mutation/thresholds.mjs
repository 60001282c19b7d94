// The pass rates (percent) the mutation tester must reach, asserted by
// mutation.test.mjs. Each is the rate measured on the engine of
// 2026-12-02 (issue 12's analysis of sets, replay, caches) with
// corpus.json as selected on 2026-12-01, less two programs (one for the
// CLI rates), floored to 0.1: the test suite's classes that time things
// or count frames leave that much room for a loaded machine. They may
// only go up: raise them when the engine passes more. Issue 12's goals: native/plain >= 99, native/methods
// >= 95; what still fails, and why, is in test-results/mutation-report.txt.
export const THRESHOLDS = {
  "native/plain": 97.9, // measured 636/647 (2026-12-02)
  "native/methods": 97.3, // measured 1290/1323 (2026-12-02)
  "cli/plain": 90.9, // measured 11/11
  "cli/methods": 84.6, // measured 12/13
};

// The corpus must not shrink below what issue 12 asks for.
export const MIN_PROGRAMS = 300;

// `npm run valgrind`: the sanitizer sweep's corpus (tests/fuzz/corpus.py)
// through the native build under valgrind's memcheck, the whole analysis
// and rewrite on every program. Slow (tens of minutes), so not part of
// `npm test`, which runs the same corpus under AddressSanitizer.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { PYTHON3, ROOT } from "../helpers/run.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyrun-valgrind-"));
const made = spawnSync(PYTHON3, [path.join(ROOT, "tests/fuzz/corpus.py"), "sweep", dir], { encoding: "utf8" });
if (made.status !== 0) throw new Error(made.stderr);
const SWEEP = `
import glob, sys, pyrun
for f in sorted(glob.glob(sys.argv[1] + "/*.py")):
    try:
        pyrun._compile(open(f, "rb").read(), f, True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
`;
console.log(`valgrind over ${made.stdout.trim()} programs...`);
const r = spawnSync(
  "valgrind",
  ["--error-exitcode=99", "--leak-check=full", "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
   PYTHON3, "-c", SWEEP, dir],
  { encoding: "utf8", env: { ...process.env, PYTHONMALLOC: "malloc", PYTHONPATH: path.join(ROOT, "build/native") } },
);
fs.rmSync(dir, { recursive: true, force: true });
const summary = r.stderr.split("\n").filter((l) => /ERROR SUMMARY|definitely lost|Invalid|uninitialised/.test(l));
console.log(summary.join("\n"));
process.exit(r.status === 0 ? 0 : 1);

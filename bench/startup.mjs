// Startup: wall time of `pyrun examples/hello.py` against bare Pyodide,
// alternating runs, and their ratio.
import path from "node:path";
import { fileURLToPath } from "node:url";

import { HEADER, alternate, ratio, row, summary, wallMs } from "./measure.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export function startupRows(rounds = Number(process.env.BENCH_ROUNDS ?? 7)) {
  const samples = alternate(
    {
      pyrun: () => wallMs([process.execPath, path.join(ROOT, "loader/node/pyrun.mjs"), "examples/hello.py"], { cwd: ROOT }),
      bare: () => wallMs([process.execPath, path.join(ROOT, "bench/bare-pyodide.mjs")], { cwd: ROOT }),
    },
    rounds,
  );
  const pyrun = summary(samples.pyrun);
  const bare = summary(samples.bare);
  return [
    row("startup: pyrun examples/hello.py", pyrun),
    row("startup: bare Pyodide (load + runPython)", bare),
    row("startup ratio pyrun / bare", ratio(pyrun, bare), "x", 2),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(HEADER);
  for (const line of startupRows()) console.log(line);
}

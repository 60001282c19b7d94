// Side by side: the same program on plain Pyodide and under pyrun, timed
// from inside the program (it prints its own seconds), so start-up is not
// counted. Runs alternate.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { alternate, row, summary } from "./measure.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function seconds(argv, input) {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: "utf8", cwd: ROOT });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return Number(r.stdout.trim().split("\n").at(-1)) * 1000;
}

export function sideBySide(label, program, rounds) {
  const samples = alternate(
    {
      plain: () => seconds([process.execPath, path.join(ROOT, "bench/plain-pyodide.mjs")], program),
      pyrun: () => seconds([process.execPath, path.join(ROOT, "loader/node/pyrun.mjs"), "-"], program),
    },
    rounds,
  );
  const plain = summary(samples.plain);
  const pyrun = summary(samples.pyrun);
  return [
    row(`${label}: plain Pyodide`, plain),
    row(`${label}: pyrun`, pyrun),
    row(`${label}: ratio pyrun / plain`, { median: pyrun.median / plain.median, min: pyrun.min / plain.max, max: pyrun.max / plain.min }, "x", 2),
  ];
}

// Side by side: the same program on plain Pyodide and under pyrun, timed
// from inside the program (it prints its own seconds), so start-up is not
// counted. Runs alternate.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { alternate, row, summary } from "./measure.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function seconds(argv, input, cwd = ROOT) {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: "utf8", cwd });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return Number(r.stdout.trim().split("\n").at(-1)) * 1000;
}

// `program` is its source, or { source, modules: { "name.py": text } }
// for a program with modules of its own.
export function sideBySide(label, program, rounds) {
  const { source, modules = {} } = typeof program === "string" ? { source: program } : program;
  // pyrun finds the modules in its working directory (sys.path[0] is ''
  // for a program read from stdin).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyrun-bench-"));
  for (const [name, text] of Object.entries(modules)) fs.writeFileSync(path.join(dir, name), text);
  const plainArgs = [path.join(ROOT, "bench/plain-pyodide.mjs"), JSON.stringify(modules)];
  const samples = alternate(
    {
      plain: () => seconds([process.execPath, ...plainArgs], source),
      pyrun: () => seconds([process.execPath, path.join(ROOT, "loader/node/pyrun.mjs"), "-"], source, dir),
    },
    rounds,
  );
  fs.rmSync(dir, { recursive: true });
  const plain = summary(samples.plain);
  const pyrun = summary(samples.pyrun);
  return [
    row(`${label}: plain Pyodide`, plain),
    row(`${label}: pyrun`, pyrun),
    row(`${label}: ratio pyrun / plain`, { median: pyrun.median / plain.median, min: pyrun.min / plain.max, max: pyrun.max / plain.min }, "x", 2),
  ];
}

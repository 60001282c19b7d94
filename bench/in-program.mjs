// Side by side: the same program on plain Pyodide and under pyrun, timed
// from inside the program, so start-up is not counted. The program's last
// line is its wall seconds, optionally followed by its CPU seconds. Runs
// alternate.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { alternate, ratio, row, summary } from "./measure.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function figures(argv, input, cwd = ROOT) {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: "utf8", cwd });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1).split(" ").map(Number);
}

// `program` is its source, or { source, modules: { "name.py": text } }
// for a program with modules of its own. Options: `node`, the Node to run
// both under; `plainAsync`, plain Pyodide through runPythonAsync; `show`,
// which figures to print ("wall", "cpu").
export function sideBySide(label, program, rounds, { node = process.execPath, plainAsync = false, show = ["wall"] } = {}) {
  const { source, modules = {} } = typeof program === "string" ? { source: program } : program;
  // pyrun finds the modules in its working directory (sys.path[0] is ''
  // for a program read from stdin).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyrun-bench-"));
  for (const [name, text] of Object.entries(modules)) fs.writeFileSync(path.join(dir, name), text);
  const plainArgs = [path.join(ROOT, "bench/plain-pyodide.mjs"), ...(plainAsync ? ["--async"] : []), JSON.stringify(modules)];
  const samples = alternate(
    {
      plain: () => figures([node, ...plainArgs], source),
      pyrun: () => figures([node, path.join(ROOT, "loader/node/pyrun.mjs"), "-"], source, dir),
    },
    rounds,
  );
  fs.rmSync(dir, { recursive: true });
  const rows = [];
  const plainName = plainAsync ? "Pyodide JSPI" : "plain Pyodide";
  for (const [index, what] of [[0, "wall"], [1, "cpu"]]) {
    if (!show.includes(what)) continue;
    const plain = summary(samples.plain.map((f) => f[index] * 1000));
    const pyrun = summary(samples.pyrun.map((f) => f[index] * 1000));
    const unit = what === "cpu" ? " CPU" : "";
    rows.push(
      row(`${label}: ${plainName}${unit}`, plain),
      row(`${label}: pyrun${unit}`, pyrun),
      row(`${label}: ratio pyrun / ${plainName}${unit}`, ratio(pyrun, plain), "x", 2),
    );
  }
  return rows;
}

// Two programs, both under pyrun: what a program pays for a rewrite it
// needs against the same program without it.
export function pyrunPair(label, [nameA, programA], [nameB, programB], rounds) {
  const run = (source) => figures([process.execPath, path.join(ROOT, "loader/node/pyrun.mjs"), "-"], source);
  const samples = alternate({ a: () => run(programA), b: () => run(programB) }, rounds);
  const a = summary(samples.a.map((f) => f[0] * 1000));
  const b = summary(samples.b.map((f) => f[0] * 1000));
  return [
    row(`${label}: ${nameA}`, a),
    row(`${label}: ${nameB}`, b),
    row(`${label}: ratio ${nameB} / ${nameA}`, ratio(b, a), "x", 2),
  ];
}

// The same program under CPython 3.11 (natively, with its own threads) and
// under pyrun: for what plain Pyodide cannot run at all.
export function againstCPython(label, source, rounds, { show = ["wall"] } = {}) {
  const samples = alternate(
    {
      cpython: () => figures(["/usr/bin/python3.11", "-"], source),
      pyrun: () => figures([process.execPath, path.join(ROOT, "loader/node/pyrun.mjs"), "-"], source),
    },
    rounds,
  );
  const rows = [];
  for (const [index, what] of [[0, "wall"], [1, "cpu"]]) {
    if (!show.includes(what)) continue;
    const cpython = summary(samples.cpython.map((f) => f[index] * 1000));
    const pyrun = summary(samples.pyrun.map((f) => f[index] * 1000));
    const unit = what === "cpu" ? " CPU" : "";
    rows.push(
      row(`${label}: CPython 3.11${unit}`, cpython),
      row(`${label}: pyrun${unit}`, pyrun),
      row(`${label}: ratio pyrun / CPython${unit}`, ratio(pyrun, cpython), "x", 2),
    );
  }
  return rows;
}

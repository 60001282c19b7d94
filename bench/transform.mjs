// Transform + compile against plain compile(), on a module of 5,000+ lines
// inside Pyodide: the cost pyrun adds before a module can run.
import { fileURLToPath } from "node:url";

import { pyodideWithRuntime } from "../tests/helpers/pyodide.mjs";
import { row, summary } from "./measure.mjs";
import { bigModule } from "./programs.mjs";

export async function transformRows(rounds) {
  const { pyodide } = await pyodideWithRuntime();
  const source = bigModule();
  const lines = source.split("\n").length;
  pyodide.globals.set("source", source);
  pyodide.globals.set("rounds", rounds);
  const [plainMs, pyrunMs, rewrites] = pyodide
    .runPython(`
import gc, time, pyrun
def timed(fn):
    gc.collect()
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000
plain, ours = [], []
for _ in range(rounds):
    plain.append(timed(lambda: compile(source, "big.py", "exec")))
    ours.append(timed(lambda: pyrun._compile(source, "big.py")))
(plain, ours, pyrun._rewrites(source, "big.py"))
`)
    .toJs();
  const plain = summary(plainMs);
  const pyrun = summary(pyrunMs);
  return [
    row(`compile() of a ${lines}-line module`, plain),
    row(`transform + compile (${rewrites} rewrites)`, pyrun),
    row("transform ratio", { median: pyrun.median / plain.median, min: pyrun.min / plain.max, max: pyrun.max / plain.min }, "x", 2),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await transformRows(Number(process.env.BENCH_ROUNDS ?? 9))) console.log(line);
}

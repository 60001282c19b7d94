// Helpers for the benchmarks: run commands alternately, summarise timings.
import { spawnSync } from "node:child_process";

// Wall-clock milliseconds of one run of argv; throws if it fails.
export function wallMs(argv, options = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  return ms;
}

// Runs each named command `rounds` times, interleaved (A B A B ...), so that
// machine noise hits every side alike. Returns { name: [ms, ...] }.
export function alternate(commands, rounds) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(commands)) samples[name].push(run());
  }
  return samples;
}

export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

// a / b as a range: the median ratio, and the extremes the runs allow.
export function ratio(a, b) {
  return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min };
}

export function row(label, stats, unit = "ms", digits = 0) {
  const f = (x) => x.toFixed(digits).padStart(8);
  return `${label.padEnd(44)} ${f(stats.median)} ${f(stats.min)} ${f(stats.max)} ${unit}`;
}

export const HEADER = `${"".padEnd(44)} ${"median".padStart(8)} ${"min".padStart(8)} ${"max".padStart(8)}`;

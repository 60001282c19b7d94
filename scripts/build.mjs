// Configures (once) and builds the runtime: build/wasm for Pyodide,
// build/native for the native tests. CMake makes a no-op build cheap.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const TARGETS = [
  { dir: "build/native", configure: ["cmake"] },
  { dir: "build/wasm", configure: ["emcmake", "cmake"] },
  // the transform's libFuzzer target, with AddressSanitizer (tests/fuzz)
  { dir: "build/fuzz", configure: ["cmake", "-DCMAKE_C_COMPILER=clang", "-DPYRUN_FUZZ=ON"], target: "transform_fuzzer" },
];

// The tools' progress goes to stderr: stdout belongs to whoever asked for
// the build (`npm pack --json` prints its answer there).
function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ["inherit", 2, "inherit"], cwd: ROOT });
  if (r.status !== 0) {
    process.stderr.write(`build: \`${argv.join(" ")}\` failed\n`);
    process.exit(r.status || 1);
  }
}

// `wasmOnly`: just the side module Pyodide loads (what `npm pack` ships).
export function build({ wasmOnly = false } = {}) {
  for (const { dir, configure, target } of TARGETS) {
    if (wasmOnly && dir !== "build/wasm") continue;
    if (!fs.existsSync(path.join(ROOT, dir, "CMakeCache.txt"))) {
      run([...configure, "-S", ".", "-B", dir, "-DCMAKE_BUILD_TYPE=Release"]);
    }
    run(["cmake", "--build", dir, "--parallel", "2", ...(target ? ["--target", target] : [])]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build({ wasmOnly: process.argv.includes("--wasm-only") });

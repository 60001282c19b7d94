// The npm package as a user gets it: `npm pack` gives the loader and the
// built runtime and nothing else, and the tarball installed into a prefix
// of its own (`npm install -g --prefix`) runs scripts from any directory
// with nothing but Node on PATH: no Emscripten, CMake or Debian packages.
// The start-up snapshot is then made on first use, in the user's cache.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { before, test } from "node:test";

import { PYRUN_NODE, ROOT, run, scratch, text } from "../helpers/run.mjs";

const MAX_TARBALL_BYTES = 200 * 1024;

const npm = (args, cwd) => run("npm", args, { cwd, timeout: 300_000 });
const sha = (file) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

let packed; // npm pack --json's answer
let work; // scratch directory: tarballs, the prefix, a home, a project
let prefix;
let nodeOnly; // a directory holding only `node`

before(async () => {
  work = scratch();
  const r = await npm(["pack", "--json", "--pack-destination", work], ROOT);
  assert.equal(r.status, 0, text(r.stderr));
  [packed] = JSON.parse(text(r.stdout));
  // Pyodide and what it depends on, from the clone's node_modules, so that
  // the install needs no registry: the packages package-lock.json installs
  // for production.
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
  const deps = Object.entries(lock.packages)
    .filter(([where, info]) => where && !info.dev)
    .map(([where]) => path.join(ROOT, where));
  const d = await npm(["pack", "--pack-destination", work, ...deps], ROOT);
  assert.equal(d.status, 0, text(d.stderr));
  prefix = path.join(work, "prefix");
  const tarballs = fs.readdirSync(work).filter((n) => n.endsWith(".tgz")).map((n) => path.join(work, n));
  const i = await npm(["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", ...tarballs], work);
  assert.equal(i.status, 0, text(i.stderr));
  nodeOnly = path.join(work, "node-only");
  fs.mkdirSync(nodeOnly);
  fs.symlinkSync(PYRUN_NODE, path.join(nodeOnly, "node"));
});

// The installed `pyrun`, as a user's shell would find it on PATH.
function installedPyrun(args, { cwd, cache }) {
  const env = { PATH: `${path.join(prefix, "bin")}:${nodeOnly}`, HOME: path.join(work, "home"), PYRUN_CACHE_DIR: cache };
  return run("/usr/bin/env", ["-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "pyrun", ...args], { cwd });
}

test("npm pack holds the loader and the built runtime, nothing of tests, bench, builds or caches", () => {
  const files = packed.files.map((f) => f.path).sort();
  const tracked = execFileSync("git", ["ls-files", "loader"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
  const expected = [...tracked, "build/wasm/pyrun.abi3.so", "package.json", "README.md"].sort();
  assert.deepEqual(files, expected);
  assert.ok(packed.size < MAX_TARBALL_BYTES, `the tarball is ${packed.size} bytes`);
  console.log(`tarball: ${packed.filename}, ${packed.size} bytes (${packed.unpackedSize} unpacked)`);
});

test("the installed pyrun runs a script from another directory, and makes its snapshot on first use", async () => {
  const dir = scratch({ "main.py": "import sys\nprint('installed', sys.argv[1:], sys.version_info[:2] >= (3, 11))\n" });
  const cache = path.join(dir, "cache");
  const first = await installedPyrun(["--verbose", "main.py", "a"], { cwd: dir, cache });
  assert.equal(first.status, 0, text(first.stderr));
  assert.equal(text(first.stdout), "installed ['a'] True\n");
  assert.match(text(first.stderr), /^pyrun: starting cold, without the start-up snapshot .*there is none yet/);
  let made = [];
  for (let waited = 0; waited < 90_000 && !made.length; waited += 250) {
    await sleep(250);
    const names = fs.existsSync(cache) ? fs.readdirSync(cache) : [];
    if (!names.some((n) => n.endsWith(".lock") || n.endsWith(".tmp"))) made = names.filter((n) => n.endsWith(".snapshot"));
  }
  assert.equal(made.length, 1, "no snapshot was made in the user's cache");
  const second = await installedPyrun(["--verbose", "main.py", "b"], { cwd: dir, cache });
  assert.equal(text(second.stderr), "");
  assert.equal(text(second.stdout), "installed ['b'] True\n");
});

test("the installed pyrun --version names pyrun's version, Python's and Pyodide's", async () => {
  const r = await installedPyrun(["--version"], { cwd: work, cache: path.join(work, "cache") });
  const pyodide = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/pyodide/package.json"), "utf8")).version;
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
  assert.equal(text(r.stdout), `Python 3.14.2 (pyrun ${ours}, Pyodide ${pyodide})\n`);
});

test("a web app finds the browser module and the runtime inside the installed package", async () => {
  const lib = path.join(prefix, "lib");
  const r = await run(
    PYRUN_NODE,
    ["--input-type=module", "-e", "console.log(import.meta.resolve('pyrun/browser'));console.log(import.meta.resolve('pyrun/pyrun.abi3.so'))"],
    { cwd: lib },
  );
  assert.equal(r.status, 0, text(r.stderr));
  const [browser, runtime] = text(r.stdout).trim().split("\n").map((u) => new URL(u).pathname);
  const installed = path.join(lib, "node_modules/pyrun");
  assert.equal(browser, path.join(installed, "loader/browser/pyrun.mjs"));
  assert.equal(runtime, path.join(installed, "build/wasm/pyrun.abi3.so"));
  assert.equal(sha(runtime), sha(path.join(ROOT, "build/wasm/pyrun.abi3.so")));
  // the module's default runtimeURL, beside itself
  assert.ok(fs.existsSync(new URL("../../build/wasm/pyrun.abi3.so", `file://${browser}`)));
});

test("a broken install ends in one line, `pyrun: internal error: ...`, and status 1", async () => {
  const installed = path.join(prefix, "lib/node_modules");
  for (const file of ["pyodide/pyodide.asm.wasm", "pyrun/build/wasm/pyrun.abi3.so"]) {
    const victim = path.join(installed, file);
    const good = fs.readFileSync(victim);
    fs.writeFileSync(victim, good.subarray(0, 1000));
    try {
      const dir = scratch({ "main.py": "print('never')\n" });
      const r = await installedPyrun(["main.py"], { cwd: dir, cache: path.join(dir, "cache") });
      assert.equal(r.status, 1, file);
      assert.equal(text(r.stdout), "");
      assert.match(text(r.stderr), /^pyrun: internal error: \S.*\n$/, file);
      assert.doesNotMatch(text(r.stderr), /\[object |    at /, file);
    } finally {
      fs.writeFileSync(victim, good);
    }
  }
});

// `npm run setup` loads the loader before its `npm ci` has installed
// Pyodide, then makes the start-up snapshot with it.
test("the loader finds Pyodide once it is installed, in a process that started before", async () => {
  const dir = scratch();
  fs.cpSync(path.join(ROOT, "loader"), path.join(dir, "loader"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(dir, "package.json"));
  const script = `
import fs from "node:fs";
import { pyodideDir } from ${JSON.stringify(path.join(dir, "loader/node/startup-snapshot.mjs"))};
console.log(pyodideDir());
fs.mkdirSync(${JSON.stringify(path.join(dir, "node_modules"))});
fs.symlinkSync(${JSON.stringify(path.join(ROOT, "node_modules/pyodide"))}, ${JSON.stringify(path.join(dir, "node_modules/pyodide"))});
console.log(pyodideDir());
`;
  const r = await run(PYRUN_NODE, ["--input-type=module", "-e", script], { cwd: dir });
  assert.equal(r.status, 0, text(r.stderr));
  // (Node resolves the link to where it points)
  assert.equal(text(r.stdout), `null\n${fs.realpathSync(path.join(ROOT, "node_modules/pyodide"))}\n`);
});

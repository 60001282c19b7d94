// Runs `pyrun` (and, for side-by-side checks, Debian's python3.11) the way a
// user would from a shell, and collects what they would see.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { cacheDirectory } from "../../loader/node/startup-snapshot.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PYRUN = path.join(ROOT, "loader/node/pyrun.mjs");
export const PYTHON3 = "/usr/bin/python3.11";

// The environment a user's shell would give, without this machine's
// PYTHONUNBUFFERED so that stdio buffering is the interpreter's default.
function baseEnv(extra) {
  const env = { ...process.env, ...extra };
  if (!extra || !("PYTHONUNBUFFERED" in extra)) delete env.PYTHONUNBUFFERED;
  return env;
}

// Resolves to { status, signal, stdout, stderr } (Buffers). `onStdout`
// sees the output as it arrives, with the child, to drive it (e.g. Ctrl-C,
// or stdin written later when `keepStdinOpen`). `uid`/`gid` run it as
// another user (tests that need a user without root's rights).
export function run(command, args, { input, cwd, env, onStdout, keepStdinOpen, timeout = 120_000, uid, gid } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: baseEnv(env), stdio: ["pipe", "pipe", "pipe"], uid, gid });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.stdout.on("data", (d) => {
      out.push(d);
      onStdout?.(Buffer.concat(out).toString(), child);
    });
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
    child.stdin.on("error", () => {});
    if (input !== undefined) child.stdin.end(input);
    else if (!keepStdinOpen) child.stdin.end();
  });
}

// The Node that runs pyrun: this one, or PYRUN_NODE (npm test runs the
// CLI suite again under Node 24, whose JSPI pyrun uses as a fallback).
export const PYRUN_NODE = process.env.PYRUN_NODE ? path.resolve(ROOT, process.env.PYRUN_NODE) : process.execPath;

// Does that Node have JSPI (WebAssembly stack switching)? Where code cannot
// be made async, pyrun then waits through it instead of raising
// BlockingError, and behaves as CPython does.
export const HAS_JSPI =
  spawnSync(PYRUN_NODE, ["-e", "process.exit(typeof WebAssembly.Suspending === 'function' ? 0 : 1)"]).status === 0;

export const pyrun = (args, options) => run(PYRUN_NODE, [PYRUN, ...args], options);
export const python3 = (args, options) => run(PYTHON3, args, options);

// Every scratch directory of this test process, removed when it exits: a
// full `npm test` makes thousands, some holding copies of the start-up
// snapshots, and they would fill the disk's /tmp.
const scratchDirs = [];
process.on("exit", () => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// A fresh directory with the given files ({ "a/b.py": "text" }).
export function scratch(files = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyrun-test-"));
  scratchDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

export const text = (b) => b.toString("utf8");

// A user without root's rights, for tests of permissions.
export const NOBODY = 65534;

// A start-up cache of a test's own (the prompt keeps its history there),
// holding copies of this user's snapshots so that pyrun starts as fast as
// it does here. `owner`: a uid to give it to.
export function cacheCopy({ owner } = {}) {
  const cache = scratch();
  const mine = cacheDirectory();
  for (const name of fs.existsSync(mine) ? fs.readdirSync(mine) : []) {
    if (name.endsWith(".snapshot")) fs.copyFileSync(path.join(mine, name), path.join(cache, name));
  }
  if (owner !== undefined) {
    for (const file of [cache, ...fs.readdirSync(cache).map((n) => path.join(cache, n))]) fs.chownSync(file, owner, owner);
  }
  return cache;
}

// A shell command line, for pipes and redirections (`2>&1`, `| head`).
// PYRUN_CMD and PYTHON3_CMD are the two interpreters as shell words.
export const PYRUN_CMD = `${JSON.stringify(PYRUN_NODE)} ${JSON.stringify(PYRUN)}`;
export const PYTHON3_CMD = PYTHON3;
export const shell = (line, options) => run("/bin/bash", ["-c", line], options);

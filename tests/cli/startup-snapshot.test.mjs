// The start-up snapshot as a user meets it: a program sees the same
// interpreter whether pyrun starts cold or from the snapshot, and every way
// the snapshot can be unusable ends in a cold start that runs the program,
// a notice under --verbose only, and a new snapshot for the next run.
// Each test has a cache directory of its own (PYRUN_CACHE_DIR).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { before, test } from "node:test";
import zlib from "node:zlib";

import { pyrun, scratch, text } from "../helpers/run.mjs";

const HELLO = { "hello.py": "import sys\nprint('hello', sys.argv[1:])\n" };

function snapshotsIn(cache) {
  return fs.existsSync(cache) ? fs.readdirSync(cache).filter((n) => n.endsWith(".snapshot")) : [];
}

// Waits for the background maker: a snapshot newer than `since`, and no
// maker at work.
async function madeSnapshot(cache, since) {
  for (let waited = 0; waited < 90_000; waited += 200) {
    const names = fs.existsSync(cache) ? fs.readdirSync(cache) : [];
    const fresh = snapshotsIn(cache).filter((n) => fs.statSync(path.join(cache, n)).mtimeMs > since);
    if (fresh.length && !names.some((n) => n.endsWith(".lock") || n.endsWith(".tmp"))) {
      return path.join(cache, fresh[0]);
    }
    await sleep(200);
  }
  throw new Error(`no snapshot was made in ${cache}`);
}

// Runs hello.py with a cache of its own; { r, notice } where notice is the
// --verbose line, or "" when pyrun started from the snapshot.
async function runHello(dir, cache, extraEnv = {}) {
  const r = await pyrun(["--verbose", "hello.py", "x"], { cwd: dir, env: { PYRUN_CACHE_DIR: cache, ...extraEnv } });
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), "hello ['x']\n");
  return { r, notice: text(r.stderr) };
}

// One good snapshot, made once for the tests that need one to start from.
let seed = null;
before(async () => {
  const dir = scratch(HELLO);
  const cache = path.join(dir, "cache");
  const since = Date.now() - 1;
  await runHello(dir, cache);
  seed = await madeSnapshot(cache, since);
});

// A directory and a cache holding a good snapshot, and that snapshot's file.
async function warmCache() {
  const dir = scratch(HELLO);
  const cache = path.join(dir, "cache");
  fs.mkdirSync(cache);
  const file = path.join(cache, path.basename(seed));
  fs.copyFileSync(seed, file);
  const { notice } = await runHello(dir, cache);
  assert.equal(notice, "", "pyrun starts from the snapshot");
  return { dir, cache, file };
}

// The file's parts: its JSON header and the stored bytes after it.
function splitSnapshot(file) {
  const data = fs.readFileSync(file);
  const length = data.readUInt32LE(0);
  return { header: JSON.parse(data.subarray(4, 4 + length)), body: data.subarray(4 + length) };
}

function joinSnapshot(file, header, body) {
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(json.length);
  fs.writeFileSync(file, Buffer.concat([size, json, body]));
}

// Breaks the snapshot with `damage`, then checks what the next runs do.
async function fallsBackAndRebuilds(damage, expectedReason) {
  const { dir, cache, file } = await warmCache();
  damage(file);
  const since = Date.now() - 1;
  const { notice } = await runHello(dir, cache);
  assert.match(notice, /^pyrun: starting cold, without the start-up snapshot \(.*\): (.*)\n$/);
  assert.match(notice, expectedReason);
  assert.equal(notice.split("\n").length, 2, "a one-line notice");
  await madeSnapshot(cache, since);
  assert.equal((await runHello(dir, cache)).notice, "", "the rebuilt snapshot is used");
}

const PROBE = `
import os, random, sys, time
import __main__
print("argv", sys.argv)
print("path", sys.path)
print("environ", list(os.environ.items()))
print("cwd", os.getcwd())
print("main", sorted((k, type(v).__name__) for k, v in vars(__main__).items()))
print("modules", sorted(sys.modules))
print("flags", sys.flags)
print("executable", sys.executable, sys.orig_argv)
print("time zone", time.tzname, time.timezone)
print("importer cache", sorted(sys.path_importer_cache))
print("meta path", [type(f).__name__ for f in sys.meta_path])
`;

test("state does not leak: a program sees the same interpreter cold and from the snapshot", async () => {
  const dir = scratch({ "probe.py": PROBE });
  const cache = path.join(dir, "cache");
  const env = { PYRUN_CACHE_DIR: cache, PROBE_VARIABLE: "from the host" };
  const since = Date.now() - 1;
  const cold = await pyrun(["--verbose", "probe.py", "a", "b"], { cwd: dir, env });
  assert.match(text(cold.stderr), /starting cold/);
  await madeSnapshot(cache, since);
  const warm = await pyrun(["--verbose", "probe.py", "a", "b"], { cwd: dir, env });
  assert.equal(text(warm.stderr), "", "started from the snapshot");
  assert.equal(text(warm.stdout), text(cold.stdout));
  assert.match(text(warm.stdout), /^environ .*'PROBE_VARIABLE', 'from the host'/m);
  assert.match(text(warm.stdout), new RegExp(`^cwd ${dir}$`, "m"));
});

test("random numbers differ from one run from the snapshot to the next", async () => {
  const { dir, cache } = await warmCache();
  fs.writeFileSync(path.join(dir, "dice.py"), "import random\nprint(random.random())\n");
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const r = await pyrun(["--verbose", "dice.py"], { cwd: dir, env: { PYRUN_CACHE_DIR: cache } });
    assert.equal(text(r.stderr), "");
    runs.push(text(r.stdout));
  }
  assert.notEqual(runs[0], runs[1]);
});

test("no snapshot yet: a cold start says so under --verbose only, and makes one", async () => {
  const dir = scratch(HELLO);
  const quiet = await pyrun(["hello.py", "x"], { cwd: dir, env: { PYRUN_CACHE_DIR: path.join(dir, "quiet") } });
  assert.equal(text(quiet.stderr), "");
  assert.equal(text(quiet.stdout), "hello ['x']\n");

  const cache = path.join(dir, "cache");
  const since = Date.now() - 1;
  const { notice } = await runHello(dir, cache);
  assert.match(notice, /there is none yet; making a new one in the background\n$/);
  await madeSnapshot(cache, since);
  assert.equal((await runHello(dir, cache)).notice, "");
});

test("a corrupt snapshot (bytes changed) falls back to a cold start and is rebuilt", async () => {
  await fallsBackAndRebuilds((file) => {
    const fd = fs.openSync(file, "r+");
    const middle = Math.floor(fs.fstatSync(fd).size / 2);
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, middle);
    byte[0] ^= 0xff;
    fs.writeSync(fd, byte, 0, 1, middle);
    fs.closeSync(fd);
  }, /it is corrupt/);
});

test("a truncated snapshot falls back to a cold start and is rebuilt", async () => {
  await fallsBackAndRebuilds((file) => fs.truncateSync(file, fs.statSync(file).size - 1000), /it is corrupt/);
});

test("a snapshot of garbage falls back to a cold start and is rebuilt", async () => {
  await fallsBackAndRebuilds((file) => fs.writeFileSync(file, "not a snapshot at all"), /it is corrupt/);
});

test("a stale snapshot (another Pyodide or runtime) falls back to a cold start and is rebuilt", async () => {
  await fallsBackAndRebuilds((file) => {
    const { header, body } = splitSnapshot(file);
    header.key.runtime = "0000000000000000";
    joinSnapshot(file, header, body);
  }, /it is stale/);
});

test("a whole snapshot that Pyodide cannot restore falls back to a cold start and is rebuilt", async () => {
  await fallsBackAndRebuilds((file) => {
    const { header } = splitSnapshot(file);
    const body = Buffer.alloc(4096, 7);
    joinSnapshot(file, { ...header, size: body.length, runs: [[0, body.length]], crc32: zlib.crc32(body) }, body);
  }, /it could not be restored \(.*\)/);
});

test("an unusable cache directory: programs still run, from a cold start", async () => {
  const dir = scratch({ ...HELLO, "not-a-directory": "" });
  const cache = path.join(dir, "not-a-directory", "cache");
  for (let i = 0; i < 2; i++) {
    const { notice } = await runHello(dir, cache);
    assert.match(notice, /starting cold/);
  }
});

test("PYTHON* variables: Python reads them as it starts, and a snapshot made with them applies them", async () => {
  const dir = scratch({ ...HELLO, "lib/extra.py": "NAME = 'extra'\n", "show.py": "import sys, extra\nprint(extra.NAME, sys.flags.optimize)\n" });
  const cache = path.join(dir, "cache");
  const env = { PYRUN_CACHE_DIR: cache, PYTHONPATH: path.join(dir, "lib"), PYTHONOPTIMIZE: "1" };
  const since = Date.now() - 1;
  const cold = await pyrun(["--verbose", "show.py"], { cwd: dir, env });
  assert.equal(text(cold.stdout), "extra 1\n");
  await madeSnapshot(cache, since);
  const warm = await pyrun(["--verbose", "show.py"], { cwd: dir, env });
  assert.equal(text(warm.stderr), "");
  assert.equal(text(warm.stdout), "extra 1\n");

  // Relative entries are made absolute against the working directory as
  // Python starts: no snapshot can know it.
  const relative = await pyrun(["--verbose", "show.py"], { cwd: dir, env: { ...env, PYTHONPATH: "lib" } });
  assert.equal(text(relative.stdout), "extra 1\n");
  assert.match(text(relative.stderr), /PYTHONPATH has relative entries\n$/);
});

test("pyrun processes started at once, with no snapshot, all run; one good snapshot results", async () => {
  const dir = scratch(HELLO);
  const cache = path.join(dir, "cache");
  const since = Date.now() - 1;
  await Promise.all([0, 1, 2].map(() => runHello(dir, cache)));
  await madeSnapshot(cache, since);
  await Promise.all([0, 1, 2].map(async () => assert.equal((await runHello(dir, cache)).notice, "")));
  assert.equal(snapshotsIn(cache).length, 1);
  assert.deepEqual(
    fs.readdirSync(cache).filter((n) => !n.endsWith(".snapshot")),
    [],
    "no temporary or lock files are left",
  );
});

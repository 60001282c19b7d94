// The start-up snapshot's life on disk: where it lives, what it is valid
// for, reading it back, and writing it so that no reader ever sees half a
// file. Restoring Pyodide from it skips most of its ~2 s start-up.
//
// File layout: a 4-byte little-endian header length, the header (JSON:
// { magic, key, size, runs, crc32 }), then the snapshot's non-zero runs,
// back to back. Half of Pyodide's memory is zeros, and reading the file is
// the largest part of restoring it.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
// Pyodide's directory, found as Node finds a dependency: in a clone or a
// global install under pyrun's own node_modules, in an app's install
// perhaps hoisted. null while it is not installed (`npm run setup` asks
// before its `npm ci`, and again after).
let pyodideFound = null;
export function pyodideDir() {
  try {
    pyodideFound ??= path.dirname(createRequire(import.meta.url).resolve("pyodide/package.json"));
  } catch {
    // not installed yet
  }
  return pyodideFound;
}
export const RUNTIME_PATH = path.join(ROOT, "build/wasm/pyrun.abi3.so");
// sys.executable, fixed as Python starts: the `pyrun` command.
export const PYRUN_COMMAND = path.join(HERE, "pyrun.mjs");
const MAKER = path.join(HERE, "make-startup-snapshot.mjs");
const MAGIC = "pyrun startup snapshot";
// The code that decides what goes into a snapshot: editing it makes every
// existing snapshot stale.
const SETUP_SOURCES = [path.join(ROOT, "loader/snapshot-state.mjs"), MAKER, fileURLToPath(import.meta.url)];
// A lock older than this belongs to a maker that died.
const LOCK_STALE_MS = 120_000;
// Snapshots kept per user (one per checkout, time zone, JSPI and PYTHON*
// variables).
const KEEP_SNAPSHOTS = 4;

// $PYRUN_CACHE_DIR, else the XDG user cache directory.
export function cacheDirectory(env = process.env) {
  if (env.PYRUN_CACHE_DIR) return path.resolve(env.PYRUN_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache"), "pyrun");
}

function digest(...buffers) {
  const hash = createHash("sha256");
  for (const b of buffers) hash.update(b);
  return hash.digest("hex").slice(0, 16);
}

// The environment variables Python reads as it starts (sys.path, sys.flags,
// the hash seed...). Python sees the host's as they are: Pyodide's own
// PYTHONHOME does not apply (see boot.mjs).
export function startupVariables(env = process.env) {
  const names = Object.keys(env).filter((n) => n.startsWith("PYTHON") && n !== "PYTHONHOME" && n !== "PYTHONEXECUTABLE");
  return Object.fromEntries(names.sort().map((n) => [n, env[n]]));
}

// What a snapshot was made for. Python reads the time zone (time.tzname)
// and the PYTHON* variables once, as it starts, and Pyodide sets up stack
// switching then: each combination has a file of its own.
// `runtimeBytes`: the runtime as the caller already read it.
export function snapshotKey(env = process.env, runtimeBytes = fs.readFileSync(RUNTIME_PATH)) {
  const pkg = (file) => JSON.parse(fs.readFileSync(file, "utf8")).version;
  return {
    pyodide: pkg(path.join(pyodideDir(), "package.json")),
    executable: PYRUN_COMMAND,
    runtime: digest(runtimeBytes),
    setup: digest(pkg(path.join(ROOT, "package.json")), ...SETUP_SOURCES.map((f) => fs.readFileSync(f))),
    timeZone: timeZone(),
    jspi: typeof WebAssembly.Suspending === "function",
    environment: JSON.stringify(startupVariables(env)),
  };
}

// The zone's winter and summer offsets, and TZ as set: cheaper than asking
// Intl for the zone's name, which costs more than all the rest of the key.
function timeZone() {
  const year = new Date().getFullYear();
  const offsets = [0, 6].map((month) => new Date(year, month, 1).getTimezoneOffset());
  return `${process.env.TZ ?? ""} ${offsets.join(" ")}`;
}

export function snapshotPath(key, dir = cacheDirectory()) {
  return path.join(dir, `startup-${digest(key.executable, key.timeZone, String(key.jspi), key.environment)}.snapshot`);
}

function sameKey(a, b) {
  return Object.keys(b).every((k) => a?.[k] === b[k]) && Object.keys(a ?? {}).length === Object.keys(b).length;
}

// Leaves the newest snapshots, so that a user who switches variables or
// time zones does not fill the disk.
function pruneSnapshots(dir) {
  const snapshots = fs
    .readdirSync(dir)
    .filter((name) => /^startup-[0-9a-f]+\.snapshot$/.test(name))
    .map((name) => {
      try {
        return { file: path.join(dir, name), mtime: fs.statSync(path.join(dir, name)).mtimeMs };
      } catch {
        return null;
      }
    })
    .filter(Boolean)
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of snapshots.slice(KEEP_SNAPSHOTS)) fs.rmSync(file, { force: true });
}

const PAGE = 65536;

// [offset, length] of each stretch of non-zero pages in `bytes`.
function nonZeroRuns(bytes) {
  const runs = [];
  const words = new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.length >> 3);
  const pageIsZero = (page) => {
    const end = Math.min((page + PAGE) >> 3, words.length);
    for (let i = page >> 3; i < end; i++) if (words[i]) return false;
    // the tail that whole words do not cover
    for (let i = Math.max(page, words.length << 3); i < Math.min(page + PAGE, bytes.length); i++) if (bytes[i]) return false;
    return true;
  };
  for (let page = 0; page < bytes.length; page += PAGE) {
    if (pageIsZero(page)) continue;
    const length = Math.min(PAGE, bytes.length - page);
    const last = runs.at(-1);
    if (last && last[0] + last[1] === page) last[1] += length;
    else runs.push([page, length]);
  }
  return runs;
}

function runsCrc(bytes, runs) {
  let crc = 0;
  for (const [offset, length] of runs) crc = zlib.crc32(bytes.subarray(offset, offset + length), crc);
  return crc;
}

function readHeader(fd) {
  const size = Buffer.alloc(4);
  if (fs.readSync(fd, size, 0, 4, 0) !== 4) return null;
  const header = Buffer.alloc(size.readUInt32LE(0));
  if (header.length > 1 << 24 || fs.readSync(fd, header, 0, header.length, 4) !== header.length) return null;
  try {
    return { ...JSON.parse(header.toString("utf8")), start: 4 + header.length };
  } catch {
    return null;
  }
}

function validHeader(header, fileSize) {
  if (header?.magic !== MAGIC || !Number.isSafeInteger(header.size) || !Array.isArray(header.runs)) return false;
  let stored = 0;
  for (const run of header.runs) {
    const [offset, length] = Array.isArray(run) ? run : [];
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length > 0)) return false;
    if (offset + length > header.size) return false;
    stored += length;
  }
  return header.start + stored === fileSize;
}

// { bytes, stamp } when the snapshot at `file` is whole and made for `key`
// (stamp tells this version of the file from a later one); otherwise
// { reason }, a few words for the --verbose notice.
export function readSnapshot(file, key) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    return { reason: e.code === "ENOENT" ? "there is none yet" : `it cannot be read (${e.code ?? e.message})` };
  }
  try {
    const header = readHeader(fd);
    const stat = fs.fstatSync(fd);
    if (!validHeader(header, stat.size)) return { reason: "it is corrupt" };
    if (!sameKey(header.key, key)) return { reason: "it is stale (made for another version of Pyodide or pyrun)" };
    const bytes = new Uint8Array(header.size);
    let position = header.start;
    for (const [offset, length] of header.runs) {
      for (let done = 0; done < length; ) {
        const n = fs.readSync(fd, bytes, offset + done, length - done, position + done);
        if (n === 0) return { reason: "it is corrupt" };
        done += n;
      }
      position += length;
    }
    if (runsCrc(bytes, header.runs) !== header.crc32) return { reason: "it is corrupt" };
    return { bytes, stamp: `${stat.mtimeMs}:${stat.size}` };
  } catch (e) {
    return { reason: `it cannot be read (${e.code ?? e.message})` };
  } finally {
    fs.closeSync(fd);
  }
}

// Writes under a unique temporary name and renames it into place, which
// replaces the file atomically: a reader gets the old file or the new one.
export function writeSnapshot(file, key, bytes) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const runs = nonZeroRuns(bytes);
  const header = Buffer.from(JSON.stringify({ magic: MAGIC, key, size: bytes.length, runs, crc32: runsCrc(bytes, runs) }));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(header.length);
  const parts = [size, header, ...runs.map(([offset, length]) => bytes.subarray(offset, offset + length))];
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const fd = fs.openSync(temporary, "wx");
    try {
      for (const part of parts) {
        for (let done = 0; done < part.length; ) done += fs.writeSync(fd, part, done);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (e) {
    fs.rmSync(temporary, { force: true });
    throw e;
  }
  pruneSnapshots(path.dirname(file));
}

// One maker at a time per file: the others would only redo its work.
// Returns a release function, or null when another maker is at work.
export function lockFor(file) {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.closeSync(fs.openSync(lock, "wx"));
      return () => fs.rmSync(lock, { force: true });
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age < LOCK_STALE_MS) return null;
      fs.rmSync(lock, { force: true });
    }
  }
  return null;
}

// Makes the snapshot in a detached process of its own, so that this run
// neither waits for it nor has its interpreter touched by the making.
// `unusable` is the stamp of a file that looked whole but did not restore.
export function rebuildInBackground(unusable = null) {
  const args = unusable ? [MAKER, "--replace", unusable] : [MAKER];
  const child = spawn(process.execPath, args, { detached: true, stdio: "ignore" });
  child.on("error", () => {});
  child.unref();
}

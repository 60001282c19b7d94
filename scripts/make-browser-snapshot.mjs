// Makes a prebuilt start-up snapshot for pages (build/snapshot/), which a
// web app serves through loadPyrun's `prebuiltSnapshots` option so that a
// first visit restores it instead of starting Pyodide cold. Run by
// scripts/build.mjs, under this Node for the variant without JSPI (JSPI
// hidden first, as in Firefox and Safari) and under Node 24 for the one
// with it (Chromium):
//   node scripts/make-browser-snapshot.mjs jspi|nojspi OUT
// The page sets its own time zone and language once it has restored it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { prepareForSnapshot } from "../loader/snapshot-state.mjs";
import { SNAPSHOT_FORMAT, digest, encodeSnapshot } from "../loader/browser/snapshot-file.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PYODIDE_DIR = path.join(ROOT, "node_modules/pyodide");

// What the page's loader checks (loader/browser/startup.mjs), for a page
// that passes no Pyodide options of its own; and this script, which the
// page does not check but the build does, to make it again when it changes.
export function prebuiltKey(jspi) {
  return {
    maker: digest(fs.readFileSync(fileURLToPath(import.meta.url))),
    format: SNAPSHOT_FORMAT,
    pyodide: JSON.parse(fs.readFileSync(path.join(PYODIDE_DIR, "package.json"), "utf8")).version,
    runtime: digest(fs.readFileSync(path.join(ROOT, "build/wasm/pyrun.abi3.so"))),
    setup: digest(fs.readFileSync(path.join(ROOT, "loader/snapshot-state.mjs"), "utf8")),
    jspi,
    options: JSON.stringify({}),
  };
}

// Whether `file` is already the snapshot `key` asks for.
export function isCurrent(file, key) {
  let head;
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = Buffer.alloc(4);
      fs.readSync(fd, size, 0, 4, 0);
      const length = size.readUInt32LE(0);
      if (length > 1 << 20) return false;
      head = Buffer.alloc(4 + length);
      fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  let header;
  try {
    header = JSON.parse(head.subarray(4).toString("utf8"));
  } catch {
    return false;
  }
  return Object.keys(key).every((k) => header?.key?.[k] === key[k]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [variant, out] = process.argv.slice(2);
  const jspi = variant === "jspi";
  if (!jspi) {
    delete WebAssembly.Suspending;
    delete WebAssembly.promising;
  } else if (typeof WebAssembly.Suspending !== "function") {
    console.error("make-browser-snapshot: this Node has no JSPI");
    process.exit(1);
  }
  const { loadPyodide } = await import(path.join(PYODIDE_DIR, "pyodide.mjs"));
  // thisProgram as a page has it (Node would make it this script)
  const pyodide = await loadPyodide({ indexURL: `${PYODIDE_DIR}/`, env: {}, _sysExecutable: "./this.program", _makeSnapshot: true });
  prepareForSnapshot(pyodide);
  const file = encodeSnapshot(prebuiltKey(jspi), pyodide.makeMemorySnapshot());
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const temporary = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, file);
  fs.renameSync(temporary, out);
  process.exit(0);
}

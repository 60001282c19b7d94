// Makes the start-up snapshot: Pyodide initialised in a clean process, with
// nothing of a host or a program in it yet. `npm run setup` makes it, and
// pyrun starts this file in the background when the one on disk is missing,
// stale or corrupt.
import { fileURLToPath } from "node:url";

import { prepareForSnapshot } from "../snapshot-state.mjs";
import {
  PYRUN_COMMAND,
  lockFor,
  pyodideDir,
  readSnapshot,
  snapshotKey,
  snapshotPath,
  startupVariables,
  writeSnapshot,
} from "./startup-snapshot.mjs";

async function snapshotBytes() {
  const { loadPyodide } = await import(`${pyodideDir()}/pyodide.mjs`);
  // Only what Python reads as it starts: pyrun gives each program the
  // host's whole environment after restoring.
  const env = startupVariables();
  const pyodide = await loadPyodide({ indexURL: `${pyodideDir()}/`, env, _sysExecutable: PYRUN_COMMAND, _makeSnapshot: true });
  prepareForSnapshot(pyodide);
  return pyodide.makeMemorySnapshot();
}

// Resolves to "ready" (a valid snapshot was already there), "made", or
// "busy" (another process is making it). `replace` is the stamp of a file
// that looked whole but that Pyodide could not restore.
export async function ensureStartupSnapshot({ replace = null } = {}) {
  const key = snapshotKey();
  const file = snapshotPath(key);
  const found = readSnapshot(file, key);
  if (found.bytes && found.stamp !== replace) return { file, outcome: "ready" };
  const release = lockFor(file);
  if (!release) return { file, outcome: "busy" };
  try {
    writeSnapshot(file, key, await snapshotBytes());
  } finally {
    release();
  }
  return { file, outcome: "made" };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--replace");
  await ensureStartupSnapshot({ replace: at > 0 ? process.argv[at + 1] : null });
  process.exit(0);
}

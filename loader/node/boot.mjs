// Starts the interpreter for one `pyrun` run: Pyodide with the runtime,
// the host's files, environment and stdio. From the start-up snapshot when
// a good one is on disk; otherwise cold, while a new one is made aside.
import fs from "node:fs";

import { startPyrun } from "../core.mjs";
import { mountHostFileSystem } from "./host-fs.mjs";
import {
  PYRUN_COMMAND,
  RUNTIME_PATH,
  pyodideDir,
  readSnapshot,
  rebuildInBackground,
  snapshotKey,
  snapshotPath,
} from "./startup-snapshot.mjs";
import { writeAllSync } from "./stdio.mjs";

// Python inherits the environment, except what would point Pyodide's
// interpreter at the host's own Python installation. `--strict-async` is
// the runtime's PYRUN_STRICT_ASYNC.
function pythonEnvironment(strictAsync) {
  const env = { ...process.env };
  delete env.PYTHONHOME;
  delete env.PYTHONEXECUTABLE;
  if (strictAsync) env.PYRUN_STRICT_ASYNC = "1";
  return env;
}


// os.environ becomes exactly the host's, in the host's order: Pyodide adds
// variables of its own (USER, LOGNAME, ...), and a restored snapshot holds
// the environment of the process that made it.
function setEnvironment(pyodide, env) {
  const host = pyodide.toPy(env);
  try {
    pyodide.runPython("import os\nos.environ.clear()\nos.environ.update(host)", { globals: pyodide.toPy({ host }) });
  } finally {
    host.destroy();
  }
}

// Resolves to { bytes } to restore, or { reason } to start cold.
function usableSnapshot(env, runtimeBytes) {
  // Python makes these absolute against the working directory as it
  // starts, which differs from run to run.
  if ((env.PYTHONPATH ?? "").split(":").some((entry) => entry && !entry.startsWith("/"))) {
    return { reason: "PYTHONPATH has relative entries", keep: true };
  }
  const key = snapshotKey(env, runtimeBytes);
  const file = snapshotPath(key);
  return { file, ...readSnapshot(file, key) };
}

// Starts Pyodide with what it prints to the console kept: Emscripten
// reports a broken install there ("wasm instantiation failed!", with a JS
// stack) and then leaves the start pending forever, which Node would end
// in silence with status 13. Either way pyrun's error gets the message.
async function started(starting) {
  const said = [];
  const { error, warn } = console;
  console.error = console.warn = (...args) => said.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
  let onStall;
  const stalled = new Promise((_, reject) => {
    onStall = () => reject(new Error("Pyodide stopped while starting"));
    process.once("beforeExit", onStall);
  });
  try {
    return await Promise.race([starting, stalled]);
  } catch (e) {
    const what = said.map((line) => line.split("\n")[0]).filter(Boolean);
    throw what.length ? new Error(`${e?.message ?? e}: ${what.join("; ")}`) : e;
  } finally {
    process.removeListener("beforeExit", onStall);
    Object.assign(console, { error, warn });
  }
}

async function startInterpreter(options, env, verbose) {
  const snapshot = usableSnapshot(env, options.runtimeBytes);
  if (snapshot.bytes) {
    try {
      return await started(startPyrun({ ...options, snapshot: snapshot.bytes }));
    } catch (e) {
      // whole on disk, yet Pyodide refuses it: it must be replaced
      snapshot.reason = `it could not be restored (${String(e?.message ?? e).split("\n")[0]})`;
    }
  }
  if (!snapshot.keep) rebuildInBackground(snapshot.stamp);
  if (verbose) {
    const which = snapshot.file ? ` (${snapshot.file})` : "";
    const next = snapshot.keep ? "" : "; making a new one in the background";
    writeAllSync(2, `pyrun: starting cold, without the start-up snapshot${which}: ${snapshot.reason}${next}\n`);
  }
  return started(startPyrun(options));
}

// `cwd`: the host's working directory, null when it was deleted.
export async function boot({ cwd, alsoNeeded, script, verbose, strictAsync }) {
  const env = pythonEnvironment(strictAsync);
  const booted = await startInterpreter(
    {
      loadPyodide: (await import(`${pyodideDir()}/pyodide.mjs`)).loadPyodide,
      runtimeBytes: fs.readFileSync(RUNTIME_PATH),
      pyodideOptions: {
        indexURL: `${pyodideDir()}/`,
        // a copy: Pyodide adds its own variables to the object it is given
        env: { ...env },
        _sysExecutable: PYRUN_COMMAND,
        fsInit: (FS) => mountHostFileSystem(FS, { cwd, alsoNeeded, script }),
      },
    },
    env,
    verbose,
  );
  setEnvironment(booted.pyodide, env);
  return booted;
}

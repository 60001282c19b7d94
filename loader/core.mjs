// The part of pyrun's host that every embedding shares (Node CLI, browser):
// load Pyodide, install the C runtime into it, and start programs through it.
// It knows nothing of terminals, files or DOM; the caller passes those in.

import { afterRestore } from "./snapshot-state.mjs";

export const RUNTIME_FILE = "pyrun.abi3.so";

// Boots Pyodide with the caller's options, then installs and imports the
// runtime, a wasm side module, into site-packages. Resolves to
// { pyodide, runtime }, where runtime is the `pyrun` module. With
// `snapshot` (bytes of makeMemorySnapshot() after prepareForSnapshot),
// Pyodide restores its initialised memory instead of starting Python from
// scratch; a bad snapshot makes this throw, and the caller starts cold.
export async function startPyrun({ loadPyodide, runtimeBytes, pyodideOptions = {}, snapshot = null }) {
  let sitePackages = null;
  const userFsInit = pyodideOptions.fsInit;
  const pyodide = await loadPyodide({
    ...pyodideOptions,
    ...(snapshot ? { _loadSnapshot: snapshot } : {}),
    fsInit(FS, info) {
      sitePackages = info?.sitePackages ?? null;
      return userFsInit?.(FS, info);
    },
  });
  if (snapshot) afterRestore(pyodide);
  sitePackages ??= pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  const path = `${sitePackages}/${RUNTIME_FILE}`;
  pyodide.FS.writeFile(path, runtimeBytes);
  // Compile the side module asynchronously (browsers refuse synchronous
  // compilation of large modules on the main thread). Private API of the
  // pinned Pyodide, as its own CLI uses it.
  await pyodide._module.API.loadDynlib(path);
  const runtime = pyodide.pyimport("pyrun");
  return { pyodide, runtime };
}

// Runs a program to its end and resolves to its exit status. `kind` is
// "file", "module", "code" or "stdin" (see runtime/main_module.c).
export async function runProgram(runtime, kind, target, argv) {
  const started = runtime._run_main(kind, target, argv);
  if (typeof started === "number") return started;
  try {
    return await started;
  } finally {
    started.destroy();
  }
}

// Pyodide with the runtime installed, in the test process itself, for tests
// that drive the runtime directly rather than through the CLI.
import fs from "node:fs";
import path from "node:path";

import { startPyrun } from "../../loader/core.mjs";
import { ROOT } from "./run.mjs";

export async function pyodideWithRuntime() {
  const dir = path.join(ROOT, "node_modules/pyodide");
  const { loadPyodide } = await import(path.join(dir, "pyodide.mjs"));
  return startPyrun({
    loadPyodide,
    runtimeBytes: fs.readFileSync(path.join(ROOT, "build/wasm/pyrun.abi3.so")),
    pyodideOptions: { indexURL: `${dir}/` },
  });
}

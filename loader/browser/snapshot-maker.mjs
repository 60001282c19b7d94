// A module worker that makes the start-up snapshot in the background, in a
// Pyodide of its own, while the page goes on with the one it started cold:
// the page never waits for it. It keeps the snapshot in IndexedDB, then
// says so.
import { prepareForSnapshot } from "../snapshot-state.mjs";
import { encodeSnapshot } from "./snapshot-file.mjs";
import { writeStored } from "./snapshot-store.mjs";

self.onmessage = async ({ data: { indexURL, pyodideOptions, jspi, key, slot } }) => {
  try {
    // Pyodide sets up stack switching as it starts: the snapshot must be
    // made as the page would start, with JSPI or without.
    if (!jspi) {
      delete WebAssembly.Suspending;
      delete WebAssembly.promising;
    }
    const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
    const pyodide = await loadPyodide({ ...pyodideOptions, indexURL, _makeSnapshot: true });
    prepareForSnapshot(pyodide);
    const file = encodeSnapshot(key, pyodide.makeMemorySnapshot());
    await writeStored(slot, file);
    postMessage({ stored: true, size: file.length });
  } catch (e) {
    postMessage({ stored: false, reason: String(e?.message ?? e).split("\n")[0] });
  }
};

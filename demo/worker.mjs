// The worker side of worker.html: loads pyrun and runs the program it is
// sent, answering input() from the lines that came with it.
import { loadPyrun } from "./pyrun/browser/pyrun.mjs";

self.onmessage = async ({ data: { source, files, input = [] } }) => {
  postMessage({ jspi: typeof WebAssembly.Suspending === "function" });
  try {
    const py = await loadPyrun({
      indexURL: new URL("pyodide/", location.href).href,
      runtimeURL: new URL("runtime/pyrun.abi3.so", location.href).href,
      stdout: (text) => postMessage({ text }),
      stderr: (text) => postMessage({ text }),
      stdin: async () => input.shift() ?? null,
    });
    postMessage({ status: await py.run(source, { files }) });
  } catch (e) {
    postMessage({ error: String(e?.message ?? e) });
  }
};

// pyrun for web apps: one ES module, for a page's main thread or a worker.
//
//   import { loadPyrun } from "./pyrun/browser/pyrun.mjs";
//   const py = await loadPyrun({ indexURL: "/pyodide/", runtimeURL: "/runtime/pyrun.abi3.so",
//                                stdout: (text) => ..., stderr: (text) => ..., stdin: async () => line });
//   const status = await py.run(source, { filename: "main.py", files: { "helper.py": "..." } });
//
// Needs no JSPI, SharedArrayBuffer, COOP/COEP headers or worker: blocking
// calls are rewritten into awaits, so the page's event loop keeps running.
import { runProgram, startPyrun } from "../core.mjs";

// Where a program's files live in Pyodide's file system, and its working
// directory while it runs.
export const PROGRAM_DIR = "/program";

// Text out of a byte stream, keeping multi-byte characters split across
// writes whole.
function textSink(callback) {
  const decoder = new TextDecoder("utf-8");
  return {
    write(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) callback(text);
      return bytes.length;
    },
    // A console is a terminal for Python: stdout is line-buffered, so a
    // print() shows before a sleep that follows it.
    isatty: true,
  };
}

/**
 * Loads Pyodide and pyrun's runtime.
 * @param {object} options
 * @param {string} options.indexURL  where Pyodide's files are served (ends with "/")
 * @param {string} [options.runtimeURL]  the runtime, pyrun.abi3.so (default: beside this module, ../../build/wasm/)
 * @param {(text: string) => void} [options.stdout]
 * @param {(text: string) => void} [options.stderr]
 * @param {() => Promise<string | null>} [options.stdin]  the next line of input, or null at its end
 * @param {string[]} [options.transformPackages]  installed packages to rewrite like the program's own
 * @param {object} [options.pyodideOptions]  passed on to loadPyodide
 */
export async function loadPyrun({
  indexURL,
  runtimeURL = new URL("../../build/wasm/pyrun.abi3.so", import.meta.url).href,
  stdout = (text) => console.log(text),
  stderr = (text) => console.error(text),
  stdin = async () => null,
  transformPackages = [],
  pyodideOptions = {},
} = {}) {
  if (!indexURL) throw new TypeError("loadPyrun: indexURL (where Pyodide is served) is required");
  const base = indexURL.endsWith("/") ? indexURL : `${indexURL}/`;
  const [{ loadPyodide }, runtimeBytes] = await Promise.all([
    import(new URL("pyodide.mjs", new URL(base, globalThis.location?.href)).href),
    fetch(runtimeURL).then(async (r) => {
      if (!r.ok) throw new Error(`loadPyrun: cannot fetch the runtime from ${runtimeURL} (HTTP ${r.status})`);
      return new Uint8Array(await r.arrayBuffer());
    }),
  ]);
  const { pyodide, runtime } = await startPyrun({
    loadPyodide,
    runtimeBytes,
    pyodideOptions: { indexURL: base, ...pyodideOptions },
  });
  pyodide.setStdout(textSink(stdout));
  pyodide.setStderr(textSink(stderr));
  // Only code pyrun does not rewrite reads stdin synchronously; a page
  // cannot block for it, so such a read fails instead of prompting.
  pyodide.setStdin({ error: true });
  for (const name of transformPackages) runtime.transform_package(name);

  let exited = null; // resolves the running program's end from sys.exit() in a task
  const host = {
    exit(status) {
      exited?.(status);
    },
    async read_line() {
      const line = await stdin();
      if (line === null || line === undefined) return undefined; // None: end of input
      return line.endsWith("\n") ? line : `${line}\n`;
    },
  };
  runtime._init(host, true, false);

  const helpers = pyodide.runPython(`
import importlib, os, shutil, sys
def prepare(dir, files, first_path=list(sys.path)):
    # A fresh program: the last one's files, modules and sys.path are
    # forgotten. sys.path starts with '' (the working directory) until
    # the program's own directory takes its place.
    sys.path[:] = first_path
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(dir + "/"):
            del sys.modules[name]
    shutil.rmtree(dir, ignore_errors=True)
    for name, text in files.items():
        path = os.path.join(dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    os.chdir(dir)
    importlib.invalidate_caches()
prepare
`);

  let running = false;
  const programFiles = (source, filename, files) => {
    if (filename.includes("/") || filename.startsWith(".")) {
      throw new TypeError(`run: filename must be a plain file name, not ${JSON.stringify(filename)}`);
    }
    return { ...files, [filename]: source };
  };

  return {
    pyodide,

    /**
     * Runs a program to its end, tasks it leaves running included.
     * Resolves to its exit status (0, 1 after a traceback, sys.exit's code,
     * 130 after interrupt()).
     */
    async run(source, { filename = "main.py", files = {}, argv = [] } = {}) {
      if (running) throw new Error("pyrun: a program is already running");
      running = true;
      try {
        const all = pyodide.toPy(programFiles(source, filename, files));
        try {
          helpers(PROGRAM_DIR, all);
        } finally {
          all.destroy();
        }
        const exit = new Promise((resolve) => {
          exited = resolve;
        });
        const path = `${PROGRAM_DIR}/${filename}`;
        const status = await Promise.race([runProgram(runtime, "file", path, [filename, ...argv]), exit]);
        return runtime._finish(status);
      } finally {
        exited = null;
        running = false;
      }
    },

    /**
     * The program as pyrun runs it: for the main module and each other
     * module of `files` that pyrun rewrites, { module, filename, code,
     * notes } (notes: what was rewritten and why).
     */
    transform(source, { filename = "main.py", files = {} } = {}) {
      if (running) throw new Error("pyrun: cannot transform while a program runs");
      const all = pyodide.toPy(programFiles(source, filename, files));
      let result;
      try {
        helpers(PROGRAM_DIR, all);
        result = runtime.transform_program(source, `${PROGRAM_DIR}/${filename}`);
      } finally {
        all.destroy();
      }
      try {
        return result.toJs().map(([module, file, code, notes]) => ({
          module,
          filename: file.startsWith(`${PROGRAM_DIR}/`) ? file.slice(PROGRAM_DIR.length + 1) : file,
          code,
          notes: [...notes].map((n) => (n.startsWith(`${PROGRAM_DIR}/`) ? n.slice(PROGRAM_DIR.length + 1) : n)),
        }));
      } finally {
        result.destroy();
      }
    },

    /** Raises KeyboardInterrupt in the running program at its next await. */
    interrupt() {
      return Boolean(running && runtime._interrupt());
    },
  };
}

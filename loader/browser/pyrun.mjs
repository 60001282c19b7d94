// pyrun for web apps: one ES module, for a page's main thread or a worker.
//
//   import { loadPyrun } from "./pyrun/browser/pyrun.mjs";
//   const py = await loadPyrun({ indexURL: "/pyodide/", runtimeURL: "/runtime/pyrun.abi3.so",
//                                stdout: (text) => ..., stderr: (text) => ..., stdin: async () => line });
//   const status = await py.run(source, { filename: "main.py", files: { "helper.py": "..." } });
//
// Needs no JSPI, SharedArrayBuffer, COOP/COEP headers or worker: blocking
// calls are rewritten into awaits, so the page's event loop keeps running.
import { runProgram } from "../core.mjs";
import { isolateRuns } from "./run-isolation.mjs";
import { startInBrowser } from "./startup.mjs";

// Where a program's files live in Pyodide's file system, and its working
// directory while it runs.
export const PROGRAM_DIR = "/program";

// Text out of a byte stream, keeping multi-byte characters split across
// writes whole. While muted (the previous program being retired), text is
// dropped.
function textSink(callback, muted) {
  const decoder = new TextDecoder("utf-8");
  return {
    write(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text && !muted.on) callback(text);
      return bytes.length;
    },
    // A console is a terminal for Python: stdout is line-buffered, so a
    // print() shows before a sleep that follows it.
    isatty: true,
  };
}

// Writes a program's files into `dir`, which becomes the working
// directory, after the last program's are gone.
const WRITE_FILES_PY = `
import importlib, os, shutil
def write_files(dir, files):
    os.chdir("/")  # Emscripten cannot remove the working directory
    shutil.rmtree(dir, ignore_errors=True)
    os.makedirs(dir)
    for name, text in files.items():
        path = os.path.join(dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    os.chdir(dir)
    importlib.invalidate_caches()
`;

// The program as pyrun would run it, analysed in a directory of its own,
// so that a program still running its event handlers is left alone.
const TRANSFORM_PY = `
import os, shutil, sys
def transform(runtime, dir, program_dir, files, main):
    write_files(dir, files)
    cwd, path = os.getcwd(), list(sys.path)
    try:
        os.chdir(dir)
        sys.path[:] = [dir] + [p for p in path if p and p != program_dir]
        return runtime.transform_program(files[main], os.path.join(dir, main))
    finally:
        os.chdir(cwd)
        sys.path[:] = path
        sys.path_importer_cache.pop(dir, None)
        shutil.rmtree(dir, ignore_errors=True)
`;

const TRANSFORM_DIR = "/.pyrun-transform";

function checkFileNames(filename, files) {
  const names = [filename, ...Object.keys(files)];
  for (const name of names) {
    if (typeof name !== "string" || !name || name.startsWith("/") || name.split("/").some((p) => p === ".." || p === "." || p === "")) {
      throw new TypeError(`run: a file name must be a relative path inside the program, not ${JSON.stringify(name)}`);
    }
  }
  if (filename.includes("/")) {
    throw new TypeError(`run: filename must be a plain file name, not ${JSON.stringify(filename)}`);
  }
}

/**
 * Loads Pyodide and pyrun's runtime.
 * @param {object} options
 * @param {string} options.indexURL  where Pyodide's files are served (ends with "/")
 * @param {string} [options.runtimeURL]  the runtime, pyrun.abi3.so (default: beside this module, ../../build/wasm/)
 * @param {(text: string) => void} [options.stdout]
 * @param {(text: string) => void} [options.stderr]
 * @param {(options?: {password?: boolean}) => Promise<string | null>} [options.stdin]  the next line of
 *   input, or null at its end; { password: true } when getpass.getpass() asks (not to be shown)
 * @param {string[]} [options.transformPackages]  installed packages to rewrite like the program's own
 * @param {boolean} [options.startupSnapshot]  keep a start-up snapshot in the browser (default true)
 * @param {string} [options.prebuiltSnapshots]  where build/snapshot/ is served: prebuilt snapshots
 *   (npm run build) to start from when the browser keeps none yet
 * @param {boolean} [options.strictAsync]  where pyrun cannot make code async, raise
 *   pyrun.BlockingError instead of waiting synchronously (default false)
 * @param {object} [options.pyodideOptions]  passed on to loadPyodide
 */
export async function loadPyrun({
  indexURL,
  runtimeURL = new URL("../../build/wasm/pyrun.abi3.so", import.meta.url).href,
  stdout = (text) => console.log(text),
  stderr = (text) => console.error(text),
  stdin = async () => null,
  transformPackages = [],
  startupSnapshot = true,
  prebuiltSnapshots = null,
  strictAsync = false,
  pyodideOptions = {},
} = {}) {
  if (!indexURL) throw new TypeError("loadPyrun: indexURL (where Pyodide is served) is required");
  const base = new URL(indexURL.endsWith("/") ? indexURL : `${indexURL}/`, globalThis.location?.href).href;
  const { pyodide, runtime, startup } = await startInBrowser({
    indexURL: base,
    runtimeURL: new URL(runtimeURL, globalThis.location?.href).href,
    pyodideOptions,
    keepSnapshot: startupSnapshot,
    prebuiltSnapshots: prebuiltSnapshots && new URL(prebuiltSnapshots, globalThis.location?.href).href,
  });
  const muted = { on: false };
  pyodide.setStdout(textSink(stdout, muted));
  pyodide.setStderr(textSink(stderr, muted));
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
    // getpass.getpass(): the prompt, then a line the page is told not to
    // show (stdin({ password: true })), then the end of the prompt's line,
    // as a terminal shows it
    async read_password(prompt) {
      if (!muted.on) stdout(prompt);
      const line = await stdin({ password: true });
      if (!muted.on) stdout("\n");
      if (line === null || line === undefined) return undefined;
      return line.endsWith("\n") ? line : `${line}\n`;
    },
    // a function that blocked the page, where nothing could await it
    warn(message) {
      console.warn(message);
    },
  };
  runtime._init(host, true, false);
  runtime._set_strict_async(Boolean(strictAsync));

  const scope = pyodide.globals.get("dict")();
  pyodide.runPython(WRITE_FILES_PY + TRANSFORM_PY, { globals: scope });
  const writeFiles = scope.get("write_files");
  const transformIn = scope.get("transform");
  scope.destroy();
  const isolation = isolateRuns(pyodide, runtime, { programDir: PROGRAM_DIR, mute: (on) => (muted.on = on) });

  let busy = false;
  const withFiles = (files, fn) => {
    const all = pyodide.toPy(files);
    try {
      return fn(all);
    } finally {
      all.destroy();
    }
  };

  async function start(kind, target, files, argv) {
    if (busy) throw new Error("pyrun: a program is already running");
    busy = true;
    try {
      await isolation.beginRun(() => withFiles(files, (all) => writeFiles(PROGRAM_DIR, all)));
      const exit = new Promise((resolve) => {
        exited = resolve;
      });
      try {
        const status = await Promise.race([runProgram(runtime, kind, target, argv), exit]);
        return runtime._finish(status);
      } finally {
        isolation.endRun();
      }
    } finally {
      exited = null;
      busy = false;
    }
  }

  return {
    pyodide,
    /** How this instance started: { from: "snapshot" | "prebuilt" | "cold", reason } */
    startup,

    /**
     * Runs a program to its end, tasks it leaves running included, as it
     * would run in a fresh instance. Resolves to its exit status (0, 1
     * after a traceback, sys.exit's code, 130 after interrupt()).
     */
    run(source, { filename = "main.py", files = {}, argv = [] } = {}) {
      checkFileNames(filename, files);
      return start("file", `${PROGRAM_DIR}/${filename}`, { ...files, [filename]: source }, [filename, ...argv]);
    },

    /** As `python -m module`: runs a module found among `files`. */
    runModule(module, { files = {}, argv = [] } = {}) {
      checkFileNames("__main__.py", files);
      return start("module", module, files, ["-m", ...argv]);
    },

    /**
     * The number of event handlers (proxies made with create_proxy) that
     * the last program left for JavaScript to call. The next run removes
     * them.
     */
    handlers() {
      return busy ? 0 : isolation.liveHandlers();
    },

    /**
     * The program as pyrun runs it: for the main module and each other
     * module of `files` that pyrun rewrites, { module, filename, code,
     * notes } (notes: "file:line what -> how" for each rewrite).
     */
    transform(source, { filename = "main.py", files = {} } = {}) {
      checkFileNames(filename, files);
      const result = withFiles({ ...files, [filename]: source }, (all) =>
        transformIn(runtime, TRANSFORM_DIR, PROGRAM_DIR, all, filename),
      );
      const strip = (text) => (text.startsWith(`${TRANSFORM_DIR}/`) ? text.slice(TRANSFORM_DIR.length + 1) : text);
      try {
        return result.toJs().map(([module, file, code, notes]) => ({
          module,
          filename: strip(file),
          code,
          notes: [...notes].map(strip),
        }));
      } finally {
        result.destroy();
      }
    },

    /** Raises KeyboardInterrupt in the running program at its next await. */
    interrupt() {
      return Boolean(busy && runtime._interrupt());
    },
  };
}

// Runs a program on plain Pyodide from the same npm package, as a web app
// embedding Pyodide would: loadPyodide(), then runPython(source), or with
// --async runPythonAsync(source), the entry point through which Pyodide's
// own JSPI can block (time.sleep, asyncio.run) on a runtime that has it.
// Usage: node bench/plain-pyodide.mjs [--async] [module files as JSON] < program.py
import fs from "node:fs";

import { loadPyodide } from "pyodide";

const args = process.argv.slice(2);
const useAsync = args[0] === "--async";
if (useAsync) args.shift();
const pyodide = await loadPyodide({ stdout: (line) => console.log(line) });
// The program's own modules, in a directory on sys.path.
const modules = JSON.parse(args[0] ?? "{}");
pyodide.FS.mkdirTree("/program");
for (const [name, text] of Object.entries(modules)) pyodide.FS.writeFile(`/program/${name}`, text);
pyodide.runPython("import sys; sys.path.insert(0, '/program')");
const source = fs.readFileSync(0, "utf8");
if (useAsync) await pyodide.runPythonAsync(source);
else pyodide.runPython(source);

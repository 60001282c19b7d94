// Runs a program on plain Pyodide from the same npm package, as a web app
// embedding Pyodide would: loadPyodide(), then runPython(source).
// Usage: node bench/plain-pyodide.mjs [module files as JSON] < program.py
import fs from "node:fs";

import { loadPyodide } from "pyodide";

const pyodide = await loadPyodide({ stdout: (line) => console.log(line) });
// The program's own modules, in a directory on sys.path.
const modules = JSON.parse(process.argv[2] ?? "{}");
pyodide.FS.mkdirTree("/program");
for (const [name, text] of Object.entries(modules)) pyodide.FS.writeFile(`/program/${name}`, text);
pyodide.runPython("import sys; sys.path.insert(0, '/program')");
pyodide.runPython(fs.readFileSync(0, "utf8"));

// Runs a program on plain Pyodide from the same npm package, as a web app
// embedding Pyodide would: loadPyodide(), then runPython(source).
// Usage: node bench/plain-pyodide.mjs < program.py
import fs from "node:fs";

import { loadPyodide } from "pyodide";

const pyodide = await loadPyodide({ stdout: (line) => console.log(line) });
pyodide.runPython(fs.readFileSync(0, "utf8"));

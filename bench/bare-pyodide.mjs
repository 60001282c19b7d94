// The baseline for startup: bare Pyodide from the same npm package,
// loadPyodide() then runPython("print(1)").
import { loadPyodide } from "pyodide";

const pyodide = await loadPyodide();
pyodide.runPython("print(1)");

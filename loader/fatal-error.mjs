// When the interpreter aborts (a WebAssembly trap, a broken invariant),
// Pyodide prints a notice of its own on the console and dumps the Python
// stack through fd 1, which is the program's stdout. A host reports it
// instead, as CPython reports a fatal error on stderr: the stack, without
// the event loop's frames, and one line saying what happened.

// Frames of the loop that runs every task: not the user's code.
const LOOP_FRAME = /\/(asyncio\/events|pyodide\/webloop)\.py", line \d+ in /;

// Returns capture(text): true when the text was part of a fatal error's
// dump and must not reach stdout. `report({ message, stack })` is called
// once the dump is complete.
export function interceptFatalErrors(pyodide, report) {
  const api = pyodide._module.API;
  const original = api.fatal_error;
  let dump = null;
  api.fatal_error = function (e) {
    if (dump !== null || e?.pyodide_fatal_error) return original.call(this, e);
    dump = [];
    const consoleError = console.error;
    console.error = () => {};
    try {
      return original.call(this, e);
    } finally {
      console.error = consoleError;
      const lines = dump.join("").split("\n");
      dump = null;
      while (lines.length && (lines.at(-1) === "" || LOOP_FRAME.test(lines.at(-1)))) lines.pop();
      const cause = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      report({ message: `Fatal Python error: the interpreter crashed: ${cause}`, stack: lines.join("\n") });
    }
  };
  const decoder = new TextDecoder();
  return (bytes) => {
    if (dump === null) return false;
    dump.push(typeof bytes === "string" ? bytes : decoder.decode(bytes));
    return true;
  };
}

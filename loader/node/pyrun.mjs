#!/usr/bin/env node
// Entry point of the `pyrun` command (package.json "bin").
//
// Everything else is imported from here inside the try, so that even a
// failure to load pyrun's own modules or Pyodide ends as one line, never
// as a JS stack.
import { inspect } from "node:util";

import { writeAllSync } from "./stdio.mjs";

// A thrown value as one line. Emscripten's FS.ErrnoError, and anything
// else that is not an Error, would print as "[object Object]"; a Python
// error's message is a whole traceback, of which the last line says it.
function describe(e) {
  if (e instanceof Error) {
    const lines = (e.message || e.name).split("\n").map((l) => l.trim()).filter(Boolean);
    return e.constructor?.name === "PythonError" ? lines.at(-1) : lines.join(" ");
  }
  if (e && typeof e === "object") {
    const name = e.name ?? e.constructor?.name ?? "error";
    if (typeof e.errno === "number") return `${name} (errno ${e.errno}${e.code ? `, ${e.code}` : ""})`;
    if (typeof e.message === "string" && e.message) return `${name}: ${e.message}`;
    return inspect(e, { depth: 0, breakLength: Infinity }).slice(0, 300);
  }
  return String(e);
}

// A failure of pyrun itself, not of the user's program: one line, and the
// JS stack only on request. A Ctrl-C that Python raised in pyrun's own
// steps (starting up, between inputs) ends as python3 ends on it.
function internalError(e) {
  if (e?.constructor?.name === "PythonError" && e.type === "KeyboardInterrupt") {
    writeAllSync(2, "\nKeyboardInterrupt\n");
    process.exit(130);
  }
  const detail = process.argv.includes("--verbose") ? `\n${e?.stack ?? inspect(e)}` : "";
  try {
    writeAllSync(2, `pyrun: internal error: ${describe(e)}${detail}\n`);
  } catch {
    // stderr is gone: the status still says it
  }
  process.exit(1);
}
process.on("uncaughtException", internalError);
process.on("unhandledRejection", internalError);

try {
  const { main } = await import("./cli.mjs");
  await main(process.argv.slice(2));
} catch (e) {
  internalError(e);
}

#!/usr/bin/env node
// Entry point of the `pyrun` command (package.json "bin").
import { main } from "./cli.mjs";
import { writeAllSync } from "./stdio.mjs";

// A failure of pyrun itself, not of the user's program: one line, and the
// JS stack only on request.
function internalError(e) {
  const detail = process.argv.includes("--verbose") ? `\n${e?.stack ?? e}` : "";
  writeAllSync(2, `pyrun: internal error: ${e?.message ?? e}${detail}\n`);
  process.exit(1);
}
process.on("uncaughtException", internalError);
process.on("unhandledRejection", internalError);

await main(process.argv.slice(2));

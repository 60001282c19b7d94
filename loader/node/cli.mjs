// `pyrun`, the Node command: python3's command line on Pyodide.
//
// This file only wires the host to the runtime: arguments, files, stdio,
// Ctrl-C and the exit status. Program start-up, tracebacks and exit codes
// are decided by the C runtime (runtime/main_module.c, exit_status.c).
import fs from "node:fs";
import path from "node:path";
import tty from "node:tty";
import { fileURLToPath } from "node:url";

import { runProgram } from "../core.mjs";
import { boot } from "./boot.mjs";
import { HELP, USAGE, UsageError, parseCommandLine } from "./command-line.mjs";
import { watchSigint } from "./sigint.mjs";
import { attachStdio, readAllSync, writeAllSync } from "./stdio.mjs";
import { HostStdin } from "./stdin.mjs";
import { PYODIDE_DIR, RUNTIME_PATH } from "./startup-snapshot.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function stderr(text) {
  writeAllSync(2, text);
}

function versionLine() {
  const json = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
  const python = json(path.join(PYODIDE_DIR, "pyodide-lock.json")).info.python;
  const pyodide = json(path.join(PYODIDE_DIR, "package.json")).version;
  const ours = json(path.join(ROOT, "package.json")).version;
  return `Python ${python} (pyrun ${ours}, Pyodide ${pyodide})\n`;
}

// The directories a script needs to be seen in: its own, and its real one
// (sys.path[0] when it is a symlink).
function scriptDirectories(script) {
  const dirs = [path.dirname(script)];
  try {
    dirs.push(path.dirname(fs.realpathSync(script)));
  } catch {
    // missing: Python reports it
  }
  return dirs;
}

// The working directory, or null when it was deleted under the shell (as
// python3 does, pyrun runs on; relative paths then fail). Node itself then
// moves to "/": its worker threads cannot start without a cwd.
function hostCwd() {
  try {
    return process.cwd();
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
    process.chdir("/");
    return null;
  }
}

async function bootFor(command, interruptBuffer, stdin) {
  const script = command.kind === "file" ? command.target : null;
  const alsoNeeded = script ? scriptDirectories(script) : [];
  const { pyodide, runtime } = await boot({ cwd: command.cwd, alsoNeeded, script, verbose: command.flags.verbose });
  attachStdio(pyodide, stdin);
  if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
  for (const name of command.flags.transformPackages) runtime.transform_package(name);
  return { pyodide, runtime };
}

export async function main(argv) {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr(`${e.message}\n${USAGE}\nTry \`pyrun -h' for more information.\n`);
    return process.exit(2);
  }
  if (command.action === "help") {
    writeAllSync(1, HELP);
    return process.exit(0);
  }
  if (!PYODIDE_DIR) {
    stderr("pyrun: Pyodide (the npm package pyodide) is not installed; run `npm run setup`\n");
    return process.exit(1);
  }
  if (command.action === "version") {
    writeAllSync(1, versionLine());
    return process.exit(0);
  }
  if (!fs.existsSync(RUNTIME_PATH)) {
    stderr(`pyrun: the runtime is not built (${RUNTIME_PATH}); run \`npm run setup\`\n`);
    return process.exit(1);
  }

  command.cwd = hostCwd();
  let runtime = null;
  const { interruptBuffer } = watchSigint(() => {
    // Ctrl-C while Python waits at an await: raise it there. Before the
    // program exists, or after it is gone, there is nothing to unwind.
    if (!runtime?._interrupt()) process.exit(130);
  }, { pollFromPython: tty.isatty(0) });

  // Absolute, as python3 makes it; left as given when there is no
  // working directory to resolve it against.
  if (command.kind === "file" && command.cwd) command.target = path.resolve(command.cwd, command.target);
  if (command.kind === "stdin") command.target = readAllSync(0).toString("utf8");

  if (command.flags.showTransform) {
    const { runtime: rt } = await bootFor(command, interruptBuffer, new HostStdin());
    const display = command.kind === "file" ? command.argv[0] : "";
    const status = rt._show_transform(command.kind, command.target, display);
    return process.exit(rt._finish(status));
  }

  const stdin = new HostStdin();
  const booted = await bootFor(command, interruptBuffer, stdin);
  runtime = booted.runtime;
  const finish = (status) => process.exit(runtime._finish(status));
  // End of input is undefined, which Python sees as None (null would be
  // pyodide.ffi.jsnull).
  const host = { exit: finish, read_line: async () => (await stdin.readLine()) ?? undefined };
  runtime._init(host, tty.isatty(1), command.flags.unbuffered || Boolean(process.env.PYTHONUNBUFFERED));
  // Node found nothing left to run, yet the program has not ended: what
  // it awaits can never come.
  process.once("beforeExit", () => {
    const status = runtime._stalled();
    if (status !== undefined) finish(status);
  });
  finish(await runProgram(runtime, command.kind, command.target, command.argv));
}

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
import { interact } from "./repl.mjs";
import { watchSigint } from "./sigint.mjs";
import { attachStdio, readAllSync, writeAllSync } from "./stdio.mjs";
import { readPassword } from "./password.mjs";
import { HostStdin } from "./stdin.mjs";
import { RUNTIME_PATH, cacheDirectory, pyodideDir } from "./startup-snapshot.mjs";
import { INTERRUPTED, PipedLines, Terminal } from "./terminal.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function stderr(text) {
  writeAllSync(2, text);
}

function versions() {
  const json = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
  const python = json(path.join(pyodideDir(), "pyodide-lock.json")).info.python;
  const pyodide = json(path.join(pyodideDir(), "package.json")).version;
  const ours = json(path.join(ROOT, "package.json")).version;
  return `Python ${python} (pyrun ${ours}, Pyodide ${pyodide})`;
}

const versionLine = () => `${versions()}\n`;

// As python3's, naming pyrun and Pyodide too.
function bannerText(pyodide) {
  const platform = pyodide.runPython("import sys; sys.platform");
  return `${versions()} on ${platform}\nType "help", "copyright", "credits" or "license" for more information.\n`;
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

async function bootFor(command, interruptBuffer, stdin, terminal = null) {
  const script = command.kind === "file" ? command.target : null;
  const alsoNeeded = script ? scriptDirectories(script) : [];
  const { pyodide, runtime } = await boot({
    cwd: command.cwd,
    alsoNeeded,
    script,
    verbose: command.flags.verbose,
    strictAsync: command.flags.strictAsync,
  });
  attachStdio(pyodide, stdin, terminal?.isTerminal ? terminal : null);
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
  if (!pyodideDir()) {
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
  const stdinIsTerminal = tty.isatty(0);
  // python3's prompt: after the program under -i, or instead of one when
  // stdin is a terminal (`pyrun`, `pyrun -`).
  const inspect = command.flags.inspect || Boolean(process.env.PYTHONINSPECT);
  const promptOnly = command.kind === "stdin" && (stdinIsTerminal || inspect);
  const prompt = inspect || promptOnly;
  const stdin = new HostStdin();
  const lines = !prompt ? null : stdinIsTerminal ? new Terminal({ historyFile: path.join(cacheDirectory(), "history") }) : new PipedLines(stdin, stderr);
  let runtime = null;
  let prompting = false;
  const { interruptBuffer, sleepSync, ready: sigintWatched } = watchSigint(
    () => {
      // Ctrl-C while Python waits at an await: raise it there. Before the
      // program exists, or after it is gone, there is nothing to unwind,
      // except at the prompt, which starts a fresh line.
      if (runtime?._interrupt()) return;
      if (!prompting || !lines.interrupt?.()) process.exit(130);
    },
    { pollFromPython: stdinIsTerminal, patient: prompt && stdinIsTerminal },
  );

  // Absolute, as python3 makes it; left as given when there is no
  // working directory to resolve it against.
  if (command.kind === "file" && command.cwd) command.target = path.resolve(command.cwd, command.target);
  if (command.kind === "stdin" && !promptOnly) command.target = readAllSync(0).toString("utf8");

  if (command.flags.showTransform) {
    const { runtime: rt } = await bootFor(command, interruptBuffer, stdin);
    const display = command.kind === "file" ? command.argv[0] : "";
    const status = rt._show_transform(command.kind, command.target, display);
    return process.exit(rt._finish(status));
  }

  const booted = await bootFor(command, interruptBuffer, stdin, lines);
  await sigintWatched;
  runtime = booted.runtime;
  const finish = (status) => {
    lines?.close();
    process.exit(runtime._finish(status));
  };
  // input() and sys.stdin reads: the terminal's line editing at the
  // prompt, the process's stdin otherwise. End of input is undefined,
  // which Python sees as None (null would be pyodide.ffi.jsnull).
  const readLine = async () => {
    if (!prompting || !lines.isTerminal) return (await stdin.readLine()) ?? undefined;
    const line = await lines.readLine();
    if (line === INTERRUPTED) {
      runtime._interrupt(); // Ctrl-C at input(): KeyboardInterrupt there
      return undefined;
    }
    return line === null ? undefined : `${line}\n`;
  };
  const host = {
    exit: finish,
    read_line: readLine,
    // for code pyrun cannot make async, run synchronously as CPython would
    read_line_sync: () => stdin.readLineSync() ?? undefined,
    // getpass.getpass(): without echo at a terminal; piped, the runtime
    // reads stdin as CPython's getpass does when it cannot turn echo off
    ...(stdinIsTerminal
      ? { read_password: (prompt) => readPassword(prompt, { onInterrupt: () => runtime._interrupt() }) }
      : {}),
    sleep_sync: sleepSync,
    ...(command.flags.verbose ? { warn: (message) => stderr(`${message}\n`) } : {}),
  };
  runtime._init(host, tty.isatty(1), command.flags.unbuffered || Boolean(process.env.PYTHONUNBUFFERED));
  // Node found nothing left to run, yet the program has not ended: what
  // it awaits can never come.
  const stalled = () => {
    const status = runtime._stalled();
    if (status !== undefined) finish(status);
  };
  process.once("beforeExit", stalled);
  if (!prompt) return finish(await runProgram(runtime, command.kind, command.target, command.argv));

  // The prompt's namespace: the program's __main__, or a fresh one as
  // python3's prompt has (sys.argv [''], sys.path[0] '').
  const started = promptOnly
    ? runtime._run_main("code", "", command.argv, true)
    : runtime._run_main(command.kind, command.target, command.argv, true);
  if (typeof started !== "number") {
    await started;
    started.destroy();
  }
  process.removeListener("beforeExit", stalled);
  prompting = true;
  const namespace = booted.pyodide.runPython("import sys; sys.modules['__main__'].__dict__");
  const banner = promptOnly && !command.flags.quiet ? bannerText(booted.pyodide) : "";
  finish(await interact({ runtime, namespace, lines, banner }));
}

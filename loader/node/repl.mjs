// python3's interactive prompt, on pyrun's runtime: `pyrun` with a
// terminal on stdin, `pyrun -`, or -i after a program.
//
// This file is the loop: prompts, lines, end of input and Ctrl-C at the
// prompt. Deciding when the lines typed make a whole input, compiling it
// through the transform and running it as a Task are the runtime's
// (runtime/repl.c): so every input is rewritten as a program would be,
// and awaits while it sleeps, so that tasks started by earlier inputs go
// on running.
import { INTERRUPTED } from "./terminal.mjs";
import { writeAllSync } from "./stdio.mjs";

// Node would end the process while an input awaits something only a
// Ctrl-C can end (`await asyncio.Future()`); python3's prompt waits.
function keepAlive() {
  const timer = setInterval(() => {}, 1 << 30);
  return () => clearInterval(timer);
}

async function runInput(session, code) {
  const task = session.run(code);
  const release = keepAlive();
  try {
    return await task;
  } finally {
    release();
    task.destroy();
    try {
      session.flush();
    } catch (e) {
      if (!isInterrupt(e)) throw e;
    }
  }
}

// Python polls for Ctrl-C in whatever it runs, pyrun's own steps between
// inputs too: there the interrupt starts a fresh line, as at the prompt.
const isInterrupt = (e) => e?.constructor?.name === "PythonError" && e.type === "KeyboardInterrupt";

// Runs the session until its end: resolves to the exit status (0 at end
// of input, SystemExit's status otherwise). `lines`: a Terminal or
// PipedLines (terminal.mjs). `namespace`: __main__'s dict.
export async function interact({ runtime, namespace, lines, banner }) {
  const session = runtime._repl_open(namespace, lines.isTerminal);
  if (banner) writeAllSync(2, banner);
  let buffer = [];
  for (;;) {
    let line, code;
    try {
      line = await lines.readLine(session.prompt(buffer.length > 0));
      if (line === INTERRUPTED) throw INTERRUPTED;
      if (line === null) {
        // Ctrl-D: the end of the session, or of the block being typed
        writeAllSync(lines.isTerminal ? 1 : 2, "\n");
        if (buffer.length === 0) return 0;
        code = session.compile(buffer.join("\n"), true);
        buffer = [];
      } else {
        buffer.push(line);
        code = session.compile(buffer.join("\n"));
        if (code === undefined) continue; // more lines to come
        buffer = [];
      }
    } catch (e) {
      if (e !== INTERRUPTED && !isInterrupt(e)) throw e;
      writeAllSync(2, "\nKeyboardInterrupt\n");
      buffer = [];
      continue;
    }
    if (code === false) continue; // an error, shown
    lines.release();
    let outcome;
    try {
      outcome = await runInput(session, code);
    } finally {
      code.destroy();
    }
    if (typeof outcome === "number") return outcome;
  }
}

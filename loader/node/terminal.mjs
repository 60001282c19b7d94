// Lines typed at a terminal, for the prompt and for input() at it.
//
// Node's readline gives the line editing python3's GNU readline gives:
// arrows, Home/End, Ctrl-A/E/K/U/W, and history across the session, kept
// in the user's cache directory between sessions. The terminal is in raw
// mode only while a line is being read; while a program runs it is
// cooked, so that Ctrl-C is a signal Python can take while it computes
// (sigint.mjs) and typed-ahead text waits in the terminal.
//
// What a program writes while nobody reads (the output of a task started
// at the prompt, say) is written around the prompt: the prompt and the
// line being typed are drawn again below it.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

const HISTORY_SIZE = 1000;

// What readLine resolves to when Ctrl-C was pressed instead.
export const INTERRUPTED = Symbol("interrupted");

function loadHistory(file) {
  try {
    // the file is oldest first, as ~/.python_history; readline newest first
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

function saveHistory(file, history) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${[...history].reverse().join("\n")}\n`, { mode: 0o600 });
  } catch {
    // a read-only cache: the session still has its history
  }
}

export class Terminal {
  isTerminal = true;
  #rl = null;
  #history;
  #historyFile;
  #typedAhead = []; // lines that came before anyone asked (a paste)
  #pending = null; // resolve() of the readLine under way
  #closing = false;
  #tail = ""; // what the program wrote since its last newline
  #redraw = false; // output came while the prompt was shown

  constructor({ historyFile }) {
    this.#historyFile = historyFile;
    this.#history = historyFile ? loadHistory(historyFile) : [];
  }

  #open() {
    if (this.#rl) return this.#rl;
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: this.#history,
      historySize: HISTORY_SIZE,
      tabSize: 4,
    });
    rl.on("line", (line) => {
      this.#tail = "";
      if (this.#pending) this.#settle(line);
      else this.#typedAhead.push(line);
    });
    rl.on("history", (history) => {
      this.#history = history;
      if (this.#historyFile) saveHistory(this.#historyFile, history);
    });
    // Ctrl-D on an empty line, or the terminal went away
    rl.on("close", () => {
      this.#rl = null;
      if (!this.#closing) this.#settle(null);
    });
    rl.on("SIGINT", () => this.#interrupted());
    this.#rl = rl;
    return rl;
  }

  #settle(value) {
    const resolve = this.#pending;
    this.#pending = null;
    this.release();
    resolve?.(value);
  }

  // Ctrl-C at a prompt: what was typed is dropped (a fresh interface),
  // and the reader is told.
  #interrupted() {
    this.#closing = true;
    this.#rl?.close();
    this.#closing = false;
    this.#tail = "";
    this.#settle(INTERRUPTED);
  }

  // The next line, without its newline; null at end of input (Ctrl-D on
  // an empty line); INTERRUPTED on Ctrl-C. `prompt`: what is shown before
  // it; by default what the program has written on the current line
  // (input()'s prompt), which readline then draws again itself.
  readLine(prompt = this.#tail) {
    if (this.#typedAhead.length) return Promise.resolve(this.#typedAhead.shift());
    return new Promise((resolve) => {
      this.#pending = resolve;
      const rl = this.#open();
      process.stdin.setRawMode(true);
      rl.setPrompt(prompt);
      rl.prompt();
    });
  }

  // Cooked mode while a program runs.
  release() {
    if (!this.#rl) return;
    this.#rl.pause();
    process.stdin.setRawMode(false);
  }

  // Called by the stdout and stderr devices around each write.
  beforeOutput() {
    if (this.#pending && this.#rl && !this.#redraw) {
      readline.cursorTo(process.stdout, 0);
      readline.clearScreenDown(process.stdout);
      this.#redraw = true;
    }
  }

  afterOutput(bytes) {
    const text = Buffer.from(bytes).toString("utf8");
    const nl = text.lastIndexOf("\n");
    this.#tail = nl >= 0 ? text.slice(nl + 1) : this.#tail + text;
    if (this.#redraw && nl === text.length - 1) {
      this.#redraw = false;
      this.#rl?.prompt(true);
    }
  }

  close() {
    this.#closing = true;
    this.#rl?.close();
  }
}

// Lines from a stdin that is not a terminal, under -i: prompts go to
// stderr, as python3 writes them there.
export class PipedLines {
  isTerminal = false;
  #stdin;
  #write;
  #pending = null;
  #reading = null; // the read under way, kept across a Ctrl-C

  constructor(stdin, writeStderr) {
    this.#stdin = stdin;
    this.#write = writeStderr;
  }

  async readLine(prompt) {
    this.#write(prompt);
    this.#reading ??= this.#stdin.readLine();
    const interrupted = new Promise((resolve) => {
      this.#pending = resolve;
    });
    const line = await Promise.race([this.#reading, interrupted]);
    this.#pending = null;
    if (line === INTERRUPTED) return line;
    this.#reading = null;
    return line?.endsWith("\n") ? line.slice(0, -1) : line;
  }

  // Ctrl-C while it waits (a signal: the terminal, if any, is not stdin).
  interrupt() {
    this.#pending?.(INTERRUPTED);
    return this.#pending !== null;
  }

  release() {}
  beforeOutput() {}
  afterOutput() {}
  close() {}
}

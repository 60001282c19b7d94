// A program on a pseudo-terminal, driven as a user at a keyboard would:
// util-linux `script` gives it the terminal, keys are typed into it, and
// what it writes is drawn onto a screen (the few control sequences a line
// editor uses: cursor moves, erasing), so that tests read what a user
// would read.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

export const KEY = {
  enter: "\r",
  ctrlC: "\x03",
  ctrlD: "\x04",
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  home: "\x1b[H",
  end: "\x1b[F",
};

const COLUMNS = 120;

// The terminal's screen: rows of characters, and a cursor.
class Screen {
  rows = [[]];
  row = 0;
  col = 0;

  #line() {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row];
  }

  #put(ch) {
    if (this.col >= COLUMNS) {
      this.row++;
      this.col = 0;
    }
    const line = this.#line();
    while (line.length < this.col) line.push(" ");
    line[this.col++] = ch;
  }

  #csi(params, final) {
    const n = (i, d = 1) => (params[i] === undefined || params[i] === "" ? d : Number(params[i]));
    const line = this.#line();
    switch (final) {
      case "G": this.col = n(0) - 1; break;
      case "C": this.col += n(0); break;
      case "D": this.col = Math.max(0, this.col - n(0)); break;
      case "A": this.row = Math.max(0, this.row - n(0)); break;
      case "B": this.row += n(0); break;
      case "H": this.row = n(0) - 1; this.col = n(1) - 1; break;
      case "K":
        if (n(0, 0) === 0) line.length = Math.min(line.length, this.col);
        else if (n(0, 0) === 2) line.length = 0;
        break;
      case "J":
        if (n(0, 0) === 0) {
          line.length = Math.min(line.length, this.col);
          this.rows.length = this.row + 1;
        } else if (n(0, 0) === 2) {
          this.rows = [[]];
        }
        break;
      default: // colours, modes: nothing to draw
    }
  }

  write(text) {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "\x1b" && text[i + 1] === "[") {
        let j = i + 2;
        while (j < text.length && /[0-9;?]/.test(text[j])) j++;
        this.#csi(text.slice(i + 2, j).replace("?", "").split(";"), text[j]);
        i = j;
      } else if (ch === "\x1b") {
        i++; // a two-character sequence
      } else if (ch === "\r") {
        this.col = 0;
      } else if (ch === "\n") {
        this.row++;
        this.#line();
      } else if (ch === "\b") {
        this.col = Math.max(0, this.col - 1);
      } else if (ch === "\x07") {
        // bell
      } else {
        this.#put(ch);
      }
    }
  }

  text() {
    return this.rows.map((r) => r.join("").trimEnd()).join("\n").trimEnd();
  }
}

// Starts `command args` on a terminal of its own. `env` adds to the
// environment.
export function onTerminal(command, args = [], { cwd, env = {} } = {}) {
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", `stty cols ${COLUMNS} rows 50; exec ${quoted}`, "/dev/null"], {
    cwd,
    env: { ...process.env, TERM: "xterm", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const screen = new Screen();
  let raw = "";
  const decoder = new TextDecoder();
  child.stdout.on("data", (d) => {
    const s = decoder.decode(d, { stream: true });
    raw += s;
    screen.write(s);
  });
  child.stdin.on("error", () => {});
  const exited = new Promise((resolve) => child.on("close", (status, signal) => resolve({ status, signal })));
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  exited.then(() => clearTimeout(killer));

  return {
    screen: () => screen.text(),
    raw: () => raw,
    // What the screen shows past `mark` (a length of screen text, from
    // mark()): what came since.
    mark: () => screen.text().length,
    since: (mark) => screen.text().slice(mark),
    type(keys) {
      child.stdin.write(keys);
    },
    // One key at a time, as fingers press them (Node's readline takes
    // keys that arrive in one read for a paste).
    async press(...keys) {
      for (const key of keys) {
        child.stdin.write(key);
        await sleep(60);
      }
    },
    async typeLine(line) {
      child.stdin.write(line + KEY.enter);
    },
    // Waits until the screen (past `mark`, when given) matches `pattern`.
    async waitFor(pattern, { mark = 0, timeout = 30_000 } = {}) {
      const test = (s) => (typeof pattern === "string" ? s.includes(pattern) : pattern.test(s));
      for (let waited = 0; ; waited += 20) {
        if (test(screen.text().slice(mark))) return screen.text().slice(mark);
        if (waited > timeout) throw new Error(`the terminal never showed ${pattern}; it shows:\n${screen.text()}`);
        await sleep(20);
      }
    },
    // Ends the input and waits for the program's exit: { status, signal }.
    async exit() {
      return exited;
    },
    close() {
      child.stdin.end();
      return exited;
    },
    kill() {
      child.kill("SIGKILL");
    },
  };
}

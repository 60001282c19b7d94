// getpass.getpass() at a terminal: the line typed with nothing echoed, as
// CPython's getpass reads it with the terminal's echo turned off. The
// prompt and the newline after the line go to stderr (CPython writes them
// to the terminal itself, which stderr is here). Raw mode lasts only
// while the line is read, so Ctrl-C is a signal again after it; Ctrl-C
// during it is handed to onInterrupt, Ctrl-D on an empty line is the end
// of input (undefined).
export function readPassword(prompt, { stdin = process.stdin, stderr = process.stderr, onInterrupt }) {
  return new Promise((resolve) => {
    let typed = "";
    const finish = (line) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write("\n");
      resolve(line);
    };
    const onData = (chunk) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish(`${typed}\n`);
        if (ch === "\x03") {
          finish(undefined);
          return onInterrupt?.();
        }
        if (ch === "\x04") {
          if (typed === "") return finish(undefined);
        } else if (ch === "\x7f" || ch === "\b") {
          typed = [...typed].slice(0, -1).join("");
        } else if (ch === "\x15") {
          typed = "";
        } else if (ch >= " " || ch === "\t") {
          typed += ch;
        }
      }
    };
    // raw first: what is typed as soon as the prompt shows is not echoed
    stdin.setRawMode(true);
    stderr.write(prompt);
    stdin.on("data", onData);
    stdin.resume();
  });
}

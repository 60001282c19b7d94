// The import hook as a user meets it beyond what tests/programs shows:
// rewritten code is cached per file version, and --transform-package opts
// an installed package in.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

test("a module imported again is not transformed again: the same code runs", async () => {
  const dir = scratch({
    "helper.py": "import time\n\ndef fetch():\n    time.sleep(0.01)\n    return 1\n",
    "main.py": `
import sys
import helper
first = helper.fetch
del sys.modules["helper"]
import helper
print(helper.fetch(), first.__code__ is helper.fetch.__code__)
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir });
  assert.equal(text(r.stderr), "");
  // A new module object, made from the cached code object: its functions
  // share their code objects with the first import's.
  assert.equal(text(r.stdout), "1 True\n");
});

// cmd.Cmd (stdlib) reads its commands with input(). Opted in, its loop
// awaits the input and a ticker task runs while the prompt waits; left
// alone, the loop blocks the event loop until the line arrives.
const SHELL = `
import asyncio, cmd
async def ticker():
    for i in range(3):
        print("tick", i, flush=True)
        await asyncio.sleep(0.05)
class Shell(cmd.Cmd):
    prompt = "> "
    def do_greet(self, arg):
        print("hello", arg, flush=True)
    def do_quit(self, arg):
        return True
asyncio.ensure_future(ticker())
Shell().cmdloop()
print("bye")
`;

function runShell(args) {
  const dir = scratch({ "shell.py": SHELL });
  let sent = false;
  return pyrun([...args, "shell.py"], {
    cwd: dir,
    keepStdinOpen: true,
    onStdout(out, child) {
      if (!sent && out.includes("> ")) {
        sent = true;
        setTimeout(() => child.stdin.end("greet bob\nquit\n"), 500);
      }
    },
  });
}

test("--transform-package lets a stdlib module's input() wait without blocking", async () => {
  const r = await runShell(["--transform-package", "cmd"]);
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "> tick 0\ntick 1\ntick 2\nhello bob\n> bye\n");
});

test("without --transform-package the stdlib is not rewritten", async () => {
  const r = await runShell([]);
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "> hello bob\n> bye\ntick 0\ntick 1\ntick 2\n");
});

test("--transform-package takes a top-level package name", async () => {
  const r = await pyrun(["--transform-package", "cmd.sub", "-c", "pass"]);
  assert.equal(r.status, 2);
  assert.match(text(r.stderr), /^--transform-package takes the name of a top-level package, not 'cmd.sub'\n/);
});

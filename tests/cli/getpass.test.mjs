// getpass.getpass() (README "Threads and HTTP"): at a terminal the line is
// read with nothing echoed, as CPython reads it; from a pipe, CPython's own
// fallback (its warning, the prompt on stderr) and the lines in order.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KEY, onTerminal } from "../helpers/pty.mjs";
import { PYRUN, PYRUN_NODE, PYTHON3, cacheCopy, pyrun, python3, scratch, text } from "../helpers/run.mjs";

const PROGRAM = `import getpass
p = getpass.getpass()
print("got", repr(p))
p = getpass.getpass("Again: ")
print("got", repr(p))
`;

async function atTerminal(interpreter, dir, cache) {
  const [command, ...first] = interpreter;
  const t = onTerminal(command, [...first, "main.py"], { cwd: dir, env: { PYRUN_CACHE_DIR: cache } });
  await t.waitFor("Password:");
  t.type("hunter2" + KEY.enter);
  await t.waitFor("Again:");
  // one key at a time, a correction among them
  await t.press("a", "b", "\x7f", "c", KEY.enter);
  await t.waitFor("got 'ac'");
  const { status } = await t.exit();
  return { status, screen: t.screen() };
}

test("getpass at a terminal: nothing typed is echoed, backspace edits, as CPython's screen shows", async () => {
  const dir = scratch({ "main.py": PROGRAM });
  const ours = await atTerminal([PYRUN_NODE, PYRUN], dir, cacheCopy());
  const theirs = await atTerminal([PYTHON3], dir, cacheCopy());
  assert.equal(theirs.screen, "Password:\ngot 'hunter2'\nAgain:\ngot 'ac'");
  assert.equal(ours.screen, theirs.screen);
  assert.equal(ours.status, 0);
});

test("getpass from a pipe: the lines in order, CPython's warning and prompts on stderr, EOFError at the end", async () => {
  const dir = scratch({ "main.py": PROGRAM + "getpass.getpass()\n" });
  const [ours, theirs] = await Promise.all([
    pyrun(["main.py"], { cwd: dir, input: "secret\nsecond\n" }),
    python3(["main.py"], { cwd: dir, input: "secret\nsecond\n" }),
  ]);
  assert.equal(text(ours.stdout), text(theirs.stdout));
  assert.equal(text(ours.stdout), "got 'secret'\ngot 'second'\n");
  for (const r of [ours, theirs]) {
    const err = text(r.stderr);
    assert.match(err, /GetPassWarning: Can not control echo on the terminal\./);
    assert.match(err, /Warning: Password input may be echoed\.\nPassword: \n/);
    assert.match(err, /Warning: Password input may be echoed\.\nAgain: \n/);
    assert.match(err, /\nEOFError\n$/);
    assert.equal(r.status, 1);
  }
});

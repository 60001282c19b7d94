// The interactive prompt, driven through a pseudo-terminal as a user
// drives it: lines typed, Ctrl-C and Ctrl-D pressed, the screen read.
// Beside python3's behaviour, it never blocks the event loop: every input
// goes through the transform.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { KEY, onTerminal } from "../helpers/pty.mjs";
import { PYRUN, PYRUN_NODE, PYTHON3, cacheCopy, pyrun, python3, scratch, text } from "../helpers/run.mjs";

const PROMPT = /(^|\n)(>>>|\.\.\.)$/;
const NEXT_PROMPT = /\n(>>>|\.\.\.)$/;

async function prompt(args = [], { cache = cacheCopy(), cwd, interpreter = [PYRUN_NODE, PYRUN] } = {}) {
  const [command, ...first] = interpreter;
  const t = onTerminal(command, [...first, ...args], { cwd, env: { PYRUN_CACHE_DIR: cache } });
  await t.waitFor(PROMPT);
  return t;
}

// Types a line and waits for the next prompt; resolves to what the screen
// shows from the line typed on (" 6 * 7\n42\n>>>").
async function step(t, line) {
  const mark = t.mark();
  t.typeLine(line);
  return t.waitFor(NEXT_PROMPT, { mark });
}

async function steps(t, lines) {
  let seen = "";
  for (const line of lines) seen += await step(t, line);
  return seen;
}

test("a banner naming pyrun, Python and Pyodide, then >>>; values echoed through displayhook, _ set", async () => {
  const started = Date.now();
  const t = await prompt();
  console.log(`first prompt after ${Date.now() - started} ms`);
  const pyodide = JSON.parse(fs.readFileSync(path.join(path.dirname(PYRUN), "../../node_modules/pyodide/package.json"), "utf8"));
  assert.match(
    t.screen(),
    new RegExp(
      `^Python 3\\.14\\.\\d+ \\(pyrun \\d+\\.\\d+\\.\\d+, Pyodide ${pyodide.version.replaceAll(".", "\\.")}\\) on emscripten\\n` +
        `Type "help", "copyright", "credits" or "license" for more information\\.\\n>>>$`,
    ),
  );
  assert.match(await step(t, "6 * 7"), /6 \* 7\n42\n>>>$/);
  assert.match(await step(t, "_ + 1"), /\n43\n>>>$/);
  assert.match(await step(t, "None"), /None\n>>>$/); // None is not echoed
  assert.match(await step(t, "import sys; sys.displayhook = lambda v: print('hook', v)"), />>>$/);
  assert.match(await step(t, "'x'"), /\nhook x\n>>>$/);
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
});

test("blocks get ... prompts until codeop says they are whole", async () => {
  const t = await prompt(["-q"]);
  const seen = await steps(t, ["for i in range(3):", "    i * 10", ""]);
  assert.match(seen, /for i in range\(3\):\n\.\.\.     i \* 10\n\.\.\.\n0\n10\n20\n>>>$/);
  assert.match(await steps(t, ["x = (1,", "2)", "x"]), /x = \(1,\n\.\.\. 2\)\n>>> x\n\(1, 2\)\n>>>$/);
  assert.match(await steps(t, ["def f(a):", "    return a + 1", "", "f(1)"]), /\n2\n>>>$/);
  t.type(KEY.ctrlD);
  await t.exit();
});

test("an error shows its traceback and the session goes on; a syntax error shows no frames", async () => {
  const t = await prompt(["-q"]);
  assert.match(
    await step(t, "1/0"),
    /1\/0\nTraceback \(most recent call last\):\n  File "<stdin>", line 1, in <module>\nZeroDivisionError: division by zero\n>>>$/,
  );
  assert.match(await step(t, "x = = 1"), /\n  File "<stdin>", line 1\n    x = = 1\n        \^\nSyntaxError: invalid syntax\n>>>$/);
  // a function an earlier input made async: the user's frames only
  const seen = await steps(t, ["import time", "def f():", "    time.sleep(0.01)", "    raise ValueError('in f')", "", "f()"]);
  assert.match(
    seen,
    /f\(\)\nTraceback \(most recent call last\):\n  File "<stdin>", line 1, in <module>\n  File "<stdin>", line 3, in f\nValueError: in f\n>>>$/,
  );
  assert.match(await step(t, "print('still here')"), /\nstill here\n>>>$/);
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
});

test("Ctrl-C at the prompt drops the line: KeyboardInterrupt, and a fresh prompt", async () => {
  const t = await prompt(["-q"]);
  const mark = t.mark();
  t.type("half a line");
  await t.waitFor("half a line", { mark });
  t.type(KEY.ctrlC);
  await t.waitFor(/half a line\nKeyboardInterrupt\n>>>$/, { mark });
  assert.match(await step(t, "'fresh'"), /'fresh'\n>>>$/);
  t.type(KEY.ctrlD);
  await t.exit();
});

test("Ctrl-C while a line sleeps or computes raises KeyboardInterrupt in it, and the session goes on", async () => {
  const t = await prompt(["-q"]);
  await step(t, "import time");
  for (const [line, busy] of [
    ["print('sleeping'); time.sleep(30)", "sleeping"],
    ["if True:\n    print('computing')\n    while True: pass\n", "computing"],
    ["try:\n    print('caught?'); time.sleep(30)\nexcept KeyboardInterrupt:\n    print('caught it')\n", "caught?"],
  ]) {
    const mark = t.mark();
    for (const l of line.split("\n")) t.typeLine(l);
    await t.waitFor(new RegExp(`\\n${busy}`), { mark });
    const pressed = Date.now();
    t.type(KEY.ctrlC);
    const seen = await t.waitFor(NEXT_PROMPT, { mark: t.mark() });
    assert.ok(Date.now() - pressed < 5000, "the line went on after Ctrl-C");
    if (busy === "caught?") assert.match(seen, /caught it\n>>>$/);
    else assert.match(seen, /Traceback \(most recent call last\):\n  File "<stdin>", line \d+, in <module>\nKeyboardInterrupt\n>>>$/);
  }
  assert.match(await step(t, "'alive'"), /'alive'\n>>>$/);
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
});

test("Ctrl-D ends the session with status 0; exit() and quit() too; exit(3) and SystemExit as python3", async () => {
  for (const [keys, status, shows] of [
    [KEY.ctrlD, 0, />>>\n?$/],
    ["exit()\r", 0, />>> exit\(\)$/],
    ["quit()\r", 0, />>> quit\(\)$/],
    ["exit(3)\r", 3, />>> exit\(3\)$/],
    ["raise SystemExit('bye')\r", 1, /\nbye$/],
  ]) {
    const t = await prompt(["-q"]);
    t.type(keys);
    const r = await t.exit();
    assert.equal(r.status, status, `${JSON.stringify(keys)}: ${t.screen()}`);
    assert.match(t.screen(), shows);
  }
  const t = await prompt(["-q"]);
  assert.match(await step(t, "exit"), /exit\nUse exit\(\) or Ctrl-D \(i\.e\. EOF\) to exit\n>>>$/);
  t.type(KEY.ctrlD);
  await t.exit();
});

test("Ctrl-D on a ... line ends the block: it runs, or its error shows", async () => {
  const t = await prompt(["-q"]);
  let mark = t.mark();
  t.typeLine("if True:");
  t.typeLine("    'ran'");
  await t.waitFor(/\.\.\.$/, { mark });
  t.type(KEY.ctrlD);
  await t.waitFor(/'ran'\n>>>$/, { mark });
  mark = t.mark();
  t.typeLine("x = (");
  await t.waitFor(/\.\.\.$/, { mark });
  t.type(KEY.ctrlD);
  await t.waitFor(/SyntaxError: '\(' was never closed\n>>>$/, { mark });
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
});

test("-i after a script, -c or a failing script: the prompt has the program's globals", async () => {
  const dir = scratch({ "prog.py": "import sys\nanswer = 42\nprint('ran', sys.argv[1:])\n", "bad.py": "x = 1\nraise ValueError('bad')\n" });
  let t = await prompt(["-i", "prog.py", "a"], { cwd: dir });
  assert.match(t.screen(), /^ran \['a'\]\n>>>$/); // no banner after a program
  assert.match(await step(t, "answer, __name__"), /\(42, '__main__'\)\n>>>$/);
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
  t = await prompt(["-i", "-c", "y = 'from -c'"], { cwd: dir });
  assert.match(await step(t, "y"), /'from -c'\n>>>$/);
  t.type(KEY.ctrlD);
  await t.exit();
  t = await prompt(["-i", "bad.py"], { cwd: dir });
  assert.match(t.screen(), /ValueError: bad\n>>>$/);
  assert.match(await step(t, "x"), /\n1\n>>>$/);
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
});

test("time.sleep at the prompt does not freeze the loop: a task from an earlier line keeps running", async () => {
  const t = await prompt(["-q"]);
  await steps(t, [
    "import asyncio, time",
    "from time import sleep as nap",
    "ticks = []",
    "async def tick():",
    "    while True:",
    "        ticks.append(time.monotonic())",
    "        await asyncio.sleep(0.05)",
    "",
    "task = asyncio.create_task(tick())",
  ]);
  assert.match(await step(t, "n = len(ticks); time.sleep(1); len(ticks) - n >= 10"), /\nTrue\n>>>$/);
  // through a name bound by an earlier input, and in a function
  assert.match(await step(t, "n = len(ticks); nap(0.5); len(ticks) - n >= 5"), /\nTrue\n>>>$/);
  await steps(t, ["def waits(s):", "    time.sleep(s)", "    return 'waited'", ""]);
  assert.match(await step(t, "n = len(ticks); waits(0.5), len(ticks) - n >= 5"), /\n\('waited', True\)\n>>>$/);
  t.type(KEY.ctrlD);
  assert.equal((await t.exit()).status, 0);
});

test("await works at the prompt, and asyncio.run(main())", async () => {
  const t = await prompt(["-q"]);
  await step(t, "import asyncio");
  assert.match(await step(t, "await asyncio.sleep(0.1, 'awaited')"), /\n'awaited'\n>>>$/);
  await steps(t, ["async def main():", "    await asyncio.sleep(0.05)", "    return 'from main'", ""]);
  assert.match(await step(t, "asyncio.run(main())"), /\n'from main'\n>>>$/);
  assert.match(await step(t, "r = asyncio.run(main()); r.upper()"), /\n'FROM MAIN'\n>>>$/);
  t.type(KEY.ctrlD);
  await t.exit();
});

test("input() reads the next line typed at the terminal, with its prompt; Ctrl-D there is EOFError", async () => {
  const t = await prompt(["-q"]);
  let mark = t.mark();
  t.typeLine("name = input('name? ')");
  await t.waitFor(/\nname\?$/, { mark });
  t.typeLine("Ada");
  await t.waitFor(/name\? Ada\n>>>$/, { mark });
  assert.match(await step(t, "name"), /\n'Ada'\n>>>$/);
  mark = t.mark();
  t.typeLine("input('more? ')");
  await t.waitFor(/more\?$/, { mark });
  t.type(KEY.ctrlD);
  await t.waitFor(/EOFError: EOF when reading a line\n>>>$/, { mark });
  // the terminal is still there for the next input()
  mark = t.mark();
  t.typeLine("input('again? ')");
  await t.waitFor(/again\?$/, { mark });
  t.typeLine("yes");
  await t.waitFor(/again\? yes\n'yes'\n>>>$/, { mark });
  t.type(KEY.ctrlD);
  await t.exit();
});

test("line editing and history come from readline, and history is kept in the cache directory", async () => {
  const cache = cacheCopy();
  let t = await prompt(["-q"], { cache });
  let mark = t.mark();
  t.type("prnt('edited')");
  await t.waitFor("prnt('edited')", { mark });
  await t.press(KEY.home, KEY.right, KEY.right, "i", KEY.enter);
  await t.waitFor(/\nedited\n>>>$/, { mark });
  mark = t.mark();
  t.type(KEY.up);
  await t.waitFor(/>>> print\('edited'\)$/, { mark: Math.max(0, mark - 4) });
  t.type(KEY.enter);
  await t.waitFor(/\nedited\n>>>$/, { mark });
  t.type(KEY.ctrlD);
  await t.exit();
  assert.deepEqual(fs.readFileSync(path.join(cache, "history"), "utf8").split("\n").filter(Boolean), ["print('edited')"]);
  // a later session recalls it
  t = await prompt(["-q"], { cache });
  mark = t.mark();
  t.type(KEY.up);
  await t.waitFor(/>>> print\('edited'\)$/, { mark: Math.max(0, mark - 4) });
  t.type(KEY.enter);
  await t.waitFor(/\nedited\n>>>$/, { mark });
  t.type(KEY.ctrlD);
  await t.exit();
});

test("the same session at python3.11's prompt and at pyrun's shows the same screen, banner aside", async () => {
  const lines = ["x = 3", "x * 2", "for c in 'ab':", "    print(c)", "", "def f(n):", "    return n / 0", "", "f(x)", "_", "import nosuchmodule", "exit"];
  const screens = [];
  for (const interpreter of [[PYRUN_NODE, PYRUN], [PYTHON3]]) {
    const t = await prompt(["-q"], { interpreter });
    await steps(t, lines);
    t.type(KEY.ctrlD);
    await t.exit();
    screens.push(t.screen());
  }
  assert.equal(screens[0], screens[1]);
});

test("-i with stdin not a terminal: prompts on stderr, as python3 writes them", async () => {
  const input = "print(1)\n2+2\nx\nif x:\n  x+1\n\n1/0\nimport sys; sys.exit(3)\n";
  const [ours, theirs] = await Promise.all([pyrun(["-i", "-c", "x = 5"], { input }), python3(["-i", "-c", "x = 5"], { input })]);
  assert.equal(text(ours.stdout), "1\n4\n5\n6\n");
  assert.equal(text(ours.stdout), text(theirs.stdout));
  assert.equal(text(ours.stderr), text(theirs.stderr));
  assert.equal(ours.status, 3);
  // without -i, stdin is the program, as before
  const program = await pyrun([], { input: "print('program from stdin')\n" });
  assert.equal(text(program.stdout), "program from stdin\n");
});

// Bad and unusual input, answered as CPython answers it: each case is run
// under pyrun and under Debian's python3.11, side by side, and what the
// user sees must be the same (the program's name aside: "pyrun:" where
// python3 says "/usr/bin/python3.11:"). Never a JS stack, never
// "[object Object]".
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import {
  NOBODY,
  PYRUN_CMD,
  PYTHON3,
  PYTHON3_CMD,
  cacheCopy,
  pyrun,
  python3,
  run,
  scratch,
  shell,
  text,
} from "../helpers/run.mjs";

// What differs between the two interpreters and not between their
// answers: the program's name, and the carets 3.11 and 3.14 draw under
// the failing expression.
function seen(buffer) {
  return text(buffer)
    .replaceAll(`${PYTHON3}: `, "pyrun: ")
    .replaceAll(`usage: ${PYTHON3} `, "usage: pyrun ")
    .replaceAll("Try `python -h'", "Try `pyrun -h'")
    .split("\n")
    .filter((line) => !/^\s*[~^]+\s*$/.test(line))
    .join("\n");
}

function assertSane(r) {
  for (const stream of [r.stdout, r.stderr]) {
    assert.doesNotMatch(text(stream), /\[object |^\s+at .*\.m?js:\d+/m);
  }
}

async function sideBySide(args, options = {}) {
  const [ours, theirs] = await Promise.all([pyrun(args, options), python3(args, options)]);
  assertSane(ours);
  assert.equal(seen(ours.stderr), seen(theirs.stderr));
  assert.equal(seen(ours.stdout), seen(theirs.stdout));
  assert.equal(ours.status, theirs.status);
  return ours;
}

test("a script in a directory that does not exist: can't open file, [Errno 2], status 2", async () => {
  const missing = path.join(scratch(), "no-such-dir", "x.py");
  const r = await sideBySide([missing]);
  assert.equal(text(r.stderr), `pyrun: can't open file '${missing}': [Errno 2] No such file or directory\n`);
  assert.equal(r.status, 2);
  await sideBySide(["/nonexistent-top-level-dir/x.py"]);
});

test("output into a closed pipe: BrokenPipeError with Linux's [Errno 32]", async () => {
  const dir = scratch({ "many.py": "for i in range(100000):\n    print(i)\n" });
  const line = (cmd) => `cd ${dir} && ${cmd} many.py | head -1; echo "status \${PIPESTATUS[0]}" >&2`;
  const ours = await shell(line(PYRUN_CMD));
  const theirs = await shell(line(PYTHON3_CMD));
  assert.equal(text(ours.stdout), "0\n");
  // The traceback; when the pipe closes in the middle of a write, both may
  // then also report that the last flush failed ("Exception ignored",
  // status 120).
  const traceback = (r) => seen(r.stderr).split("BrokenPipeError")[0];
  assert.equal(traceback(ours), traceback(theirs));
  assert.match(text(ours.stderr), /\nBrokenPipeError: \[Errno 32\] Broken pipe\n/);
  assert.doesNotMatch(text(ours.stderr), /Errno (?!32\])/);
  assert.match(text(ours.stderr), /status (1|120)\n$/);
});

test("an OSError that ends a program is printed with Linux's number and message", async () => {
  const dir = scratch();
  const r = await sideBySide(["-c", "import os\nos.lseek(os.pipe()[0], 0, 0)"], { cwd: dir });
  assert.match(text(r.stderr), /OSError: \[Errno 29\] Illegal seek\n$/);
  // chained: both the cause and the error it led to
  await sideBySide(["-c", "try:\n    open('/nonexistent/f')\nexcept OSError as e:\n    raise RuntimeError('x') from e"]);
});

test("a script without read permission: as another user [Errno 13] and status 2; root reads it, as python3 does", async () => {
  const dir = scratch({ "secret.py": "print('read it')\n" });
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(path.join(dir, "secret.py"), 0o000);
  const asNobody = { cwd: dir, uid: NOBODY, gid: NOBODY, env: { HOME: dir, PYRUN_CACHE_DIR: cacheCopy({ owner: NOBODY }) } };
  const r = await sideBySide(["secret.py"], asNobody);
  assert.equal(text(r.stderr), `pyrun: can't open file '${dir}/secret.py': [Errno 13] Permission denied\n`);
  assert.equal(r.status, 2);
  if (process.getuid() === 0) {
    const root = await sideBySide(["secret.py"], { cwd: dir });
    assert.equal(text(root.stdout), "read it\n");
  }
  // and os.access asks the host too
  await sideBySide(["-c", "import os; print(os.access('secret.py', os.R_OK), os.access('.', os.W_OK))"], asNobody);
});

test("a FIFO as the script is read as a stream", async () => {
  const dir = scratch();
  const fifo = path.join(dir, "prog.py");
  const source = "import sys\nprint('from the fifo', sys.argv, __file__ == sys.argv[0])\n";
  const feed = async (interpreter) => {
    await run("mkfifo", [fifo]);
    const [r] = await Promise.all([interpreter([fifo, "x"], { cwd: dir }), fs.promises.writeFile(fifo, source)]);
    fs.rmSync(fifo);
    return r;
  };
  const ours = await feed(pyrun);
  const theirs = await feed(python3);
  assert.equal(text(ours.stdout), `from the fifo ['${fifo}', 'x'] True\n`);
  assert.equal(seen(ours.stderr), seen(theirs.stderr));
  assert.equal(text(ours.stdout), text(theirs.stdout));
});

test("bash's <(...) as the script", async () => {
  const line = (cmd) => `${cmd} <(printf 'import sys\\nprint(sys.argv[0].startswith("/dev/fd/"), __name__)\\n')`;
  const ours = await shell(line(PYRUN_CMD));
  const theirs = await shell(line(PYTHON3_CMD));
  assert.equal(text(ours.stdout), "True __main__\n");
  assert.equal(text(ours.stdout), text(theirs.stdout));
  assert.equal(ours.status, 0);
});

test("an empty file runs and exits 0", async () => {
  const dir = scratch({ "empty.py": "" });
  const r = await sideBySide(["empty.py"], { cwd: dir });
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout) + text(r.stderr), "");
});

test("a UTF-8 BOM is skipped", async () => {
  const dir = scratch({ "bom.py": "\ufeffimport sys\nprint('bom', 'é', sys.argv[1:])\n" });
  const r = await sideBySide(["bom.py", "a"], { cwd: dir });
  assert.equal(text(r.stdout), "bom é ['a']\n");
});

test("a latin-1 coding cookie decodes the source; undeclared latin-1 is a SyntaxError", async () => {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, "latin.py"), Buffer.from("# -*- coding: latin-1 -*-\nprint('caf\xe9', len('\xe9\xe8'))\n", "latin1"));
  fs.writeFileSync(path.join(dir, "plain.py"), Buffer.from("print('caf\xe9')\n", "latin1"));
  const r = await sideBySide(["latin.py"], { cwd: dir });
  assert.equal(text(r.stdout), "café 2\n");
  const bad = await sideBySide(["plain.py"], { cwd: dir });
  assert.equal(bad.status, 1);
  assert.match(text(bad.stderr), /SyntaxError: Non-UTF-8 code starting with '\\xe9'/);
});

test("CRLF line endings: the program runs, and errors name the right lines", async () => {
  const dir = scratch({
    "crlf.py": 'import sys\r\nx = """a\r\nb"""\r\nprint(repr(x), sys.argv[1:])\r\ndef f():\r\n    raise ValueError("line 6")\r\nf()\r\n',
    "crlf_bad.py": "x = 1\r\ny = (\r\n",
  });
  const r = await sideBySide(["crlf.py", "z"], { cwd: dir });
  assert.equal(text(r.stdout), "'a\\nb' ['z']\n");
  assert.match(text(r.stderr), /line 6, in f\n    raise ValueError\("line 6"\)\nValueError: line 6\n$/);
  const bad = await sideBySide(["crlf_bad.py"], { cwd: dir });
  assert.match(text(bad.stderr), /line 2\n/);
});

test("a path with spaces and non-ASCII characters", async () => {
  const name = "dir with spaces/é ü 文字/sçript ñ.py";
  const dir = scratch({ [name]: "import sys\nprint(sys.argv[0], __file__, sys.path[0])\nraise KeyError('ü')\n" });
  const r = await sideBySide([name, "ä"], { cwd: dir });
  assert.equal(text(r.stdout), `${name} ${path.join(dir, name)} ${path.dirname(path.join(dir, name))}\n`);
  assert.match(text(r.stderr), /File ".*sçript ñ\.py", line 3, in <module>/);
});

test("a symlinked script: sys.path[0] is the target's directory, so its neighbours import", async () => {
  const dir = scratch({
    "real/tool.py": "import sys, helper\nprint(sys.path[0].endswith('real'), helper.WHERE, __file__)\n",
    "real/helper.py": "WHERE = 'beside the target'\n",
  });
  fs.mkdirSync(path.join(dir, "bin"));
  fs.symlinkSync("../real/tool.py", path.join(dir, "bin", "tool"));
  fs.symlinkSync("bin/tool", path.join(dir, "link-to-link"));
  const r = await sideBySide(["bin/tool"], { cwd: dir });
  assert.equal(text(r.stdout), `True beside the target ${path.join(dir, "bin/tool")}\n`);
  await sideBySide(["link-to-link"], { cwd: dir });
});

test("-c with a syntax error: the error, status 1", async () => {
  const r = await sideBySide(["-c", "x = (1,\nprint(x"]);
  assert.equal(r.status, 1);
  assert.match(text(r.stderr), /SyntaxError: /);
  await sideBySide(["-c", "def f(:\n  pass"]);
  await sideBySide(["-c", "if True:\n    x = 1\n  y = 2"]);
});

test("a working directory deleted under the shell: -c runs, a relative script cannot be opened", async () => {
  const dir = scratch();
  const line = (cmd) =>
    `mkdir ${dir}/gone && cd ${dir}/gone && rmdir ${dir}/gone && ` +
    `${cmd} -c 'import sys; print(repr(sys.path[0])); open("f")'; ${cmd} x.py; echo "status $?"`;
  const ours = await shell(line(PYRUN_CMD));
  const theirs = await shell(line(PYTHON3_CMD));
  assertSane(ours);
  assert.equal(text(ours.stdout), "''\nstatus 2\n");
  assert.equal(seen(ours.stderr), seen(theirs.stderr));
});

test("no odd command line ends in a JS stack or [object Object]", async () => {
  const dir = scratch({ "pkgdir/empty.txt": "" });
  for (const args of [[""], ["pkgdir"], ["/dev/fd/77"], ["-m"], ["-c"], ["--bogus"], ["-m", "no_such_module_zz"], ["/"]]) {
    await sideBySide(args, { cwd: dir });
  }
});

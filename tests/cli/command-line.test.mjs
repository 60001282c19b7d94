// pyrun's command line behaves as python3's: the program's sys.argv,
// sys.path[0] and __main__ dunders, -c, -m, -, --version and --help.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";

import { pyrun, python3, scratch, text } from "../helpers/run.mjs";

const PROBE = `
import sys, os
print(repr(sys.argv))
print(repr(sys.path[0]))
print(__name__, __package__, __spec__ and __spec__.name)
print(globals().get("__file__"), globals().get("__cached__", "absent"))
print(type(__loader__).__name__ if not isinstance(__loader__, type) else __loader__.__name__)
print(os.getcwd())
`;

// Python versions differ in the bytecode cache tag only (3.14 vs 3.11).
const sameVersion = (b) => text(b).replace(/cpython-3\d+/g, "cpython-3XY");

async function bothAgree(args, options) {
  const [ours, theirs] = await Promise.all([pyrun(args, options), python3(args, options)]);
  assert.equal(sameVersion(ours.stderr), sameVersion(theirs.stderr));
  assert.equal(sameVersion(ours.stdout), sameVersion(theirs.stdout));
  assert.equal(ours.status, theirs.status);
  return ours;
}

test("a script sees argv, path[0] and __main__ as under python3", async () => {
  const dir = scratch({ "sub/probe.py": PROBE });
  const r = await bothAgree(["sub/probe.py", "a", "b c", "--flag"], { cwd: dir });
  assert.match(text(r.stdout), /\['sub\/probe\.py', 'a', 'b c', '--flag'\]/);
  assert.ok(text(r.stdout).includes(`'${path.join(dir, "sub")}'`));
});

test("a script given by absolute path, options after it belong to it", async () => {
  const dir = scratch({ "probe.py": PROBE });
  await bothAgree([path.join(dir, "probe.py"), "-c", "-m"], { cwd: "/" });
});

test("-c runs code with argv[0] '-c' and no __file__", async () => {
  const dir = scratch();
  const r = await bothAgree(["-c", PROBE, "x", "-y"], { cwd: dir });
  assert.match(text(r.stdout), /\['-c', 'x', '-y'\]/);
});

test("-m runs a module of the working directory as __main__", async () => {
  const dir = scratch({ "pkg/__init__.py": "print('pkg init')\n", "pkg/tool.py": PROBE });
  const r = await bothAgree(["-m", "pkg.tool", "arg"], { cwd: dir });
  assert.match(text(r.stdout), /^pkg init\n/);
  assert.match(text(r.stdout), /__main__ pkg pkg\.tool/);
});

test("-m with a package runs its __main__", async () => {
  const dir = scratch({ "app/__init__.py": "", "app/__main__.py": "import sys; print('app main', sys.argv[1:])\n" });
  await bothAgree(["-m", "app", "go"], { cwd: dir });
});

test("- reads the program from stdin", async () => {
  const dir = scratch();
  const r = await bothAgree(["-", "p", "q"], { cwd: dir, input: PROBE });
  assert.match(text(r.stdout), /\['-', 'p', 'q'\]/);
});

test("no program at all reads it from stdin, like python3 < file", async () => {
  const dir = scratch();
  await bothAgree([], { cwd: dir, input: "print('from stdin')\n" });
});

test("--version and -V name Python, pyrun and Pyodide", async () => {
  for (const flag of ["--version", "-V"]) {
    const r = await pyrun([flag]);
    assert.equal(r.status, 0);
    assert.match(text(r.stdout), /^Python 3\.14\.2 \(pyrun \d+\.\d+\.\d+, Pyodide 314\.0\.7\)\n$/);
  }
});

test("--help and -h print usage and exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const r = await pyrun([flag]);
    assert.equal(r.status, 0);
    assert.match(text(r.stdout), /^usage: pyrun \[option\] \.\.\. \[-c cmd \| -m mod \| file \| -\] \[arg\] \.\.\./);
    assert.match(text(r.stdout), /-c cmd : program passed in as string/);
  }
});

test("an unknown option is a usage error with status 2, as python3", async () => {
  const r = await pyrun(["--frobnicate", "x.py"]);
  assert.equal(r.status, 2);
  assert.equal(
    text(r.stderr),
    "unknown option --frobnicate\nusage: pyrun [option] ... [-c cmd | -m mod | file | -] [arg] ...\nTry `pyrun -h' for more information.\n",
  );
  const missing = await pyrun(["-c"]);
  assert.equal(missing.status, 2);
  assert.match(text(missing.stderr), /^Argument expected for the -c option\n/);
});

test("os.environ is the environment pyrun was started with", async () => {
  const code = "import os, json; print(json.dumps(dict(os.environ), sort_keys=True))";
  const env = { PYRUN_TEST_VAR: "x y", LANG: "C.UTF-8" };
  const [ours, theirs] = await Promise.all([pyrun(["-c", code], { env }), python3(["-c", code], { env })]);
  const mine = JSON.parse(text(ours.stdout));
  const cpython = JSON.parse(text(theirs.stdout));
  assert.equal(mine.PYRUN_TEST_VAR, "x y");
  assert.equal("PYTHONINSPECT" in mine, "PYTHONINSPECT" in cpython);
  // CPython adds LC_CTYPE coercion on some systems; compare the rest.
  delete cpython.LC_CTYPE;
  delete mine.LC_CTYPE;
  assert.deepEqual(Object.keys(mine).sort(), Object.keys(cpython).sort());
});

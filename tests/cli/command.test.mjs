// `pyrun` as a command after `npm run setup`: the README's first line
// (`npx pyrun examples/hello.py` in the clone), `pyrun` on PATH from a
// directory outside the repository, and the link into npm's global prefix
// that setup makes (tried here on a prefix of the test's own).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { LINK_COMMAND, globalPrefix, linkGlobalCommand } from "../../scripts/command-links.mjs";
import { NOBODY, ROOT, run, scratch, text } from "../helpers/run.mjs";

const HELLO = "Hello, world, from Python 3.14.2 on emscripten!\n";

test("the README's `npx pyrun examples/hello.py` runs in the clone", async () => {
  const r = await run("npx", ["pyrun", "examples/hello.py"], { cwd: ROOT });
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), HELLO);
  assert.equal(r.status, 0);
});

test("pyrun on PATH runs a script from a directory outside the repository", async () => {
  const dir = scratch({ "where.py": "import os, sys\nprint(os.getcwd() == sys.path[0], sys.argv)\n" });
  const r = await run("pyrun", ["where.py", "x"], {
    cwd: dir,
    env: { PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}` },
  });
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "True ['where.py', 'x']\n");
});

test("setup's global link puts a working pyrun in the prefix's bin, once", async () => {
  const prefix = scratch();
  assert.equal(linkGlobalCommand(prefix).outcome, "linked");
  const bin = path.join(prefix, "bin", "pyrun");
  assert.equal(fs.realpathSync(bin), path.join(ROOT, "loader/node/pyrun.mjs"));
  assert.equal(linkGlobalCommand(prefix).outcome, "ready");
  const dir = scratch();
  const r = await run("pyrun", [path.join(ROOT, "examples/hello.py"), "link"], {
    cwd: dir,
    env: { PATH: `${path.join(prefix, "bin")}:${process.env.PATH}` },
  });
  assert.equal(text(r.stdout), HELLO.replace("world", "link"));
});

test("without write access to the prefix, setup names the command to run instead", async () => {
  const prefix = scratch();
  fs.chmodSync(prefix, 0o755); // root's, not writable by nobody
  const script = `import { linkGlobalCommand } from ${JSON.stringify(path.join(ROOT, "scripts/command-links.mjs"))};
console.log(JSON.stringify(linkGlobalCommand(${JSON.stringify(prefix)})));`;
  const r = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: "/", uid: NOBODY, gid: NOBODY });
  assert.equal(r.status, 0, text(r.stderr));
  assert.deepEqual(JSON.parse(text(r.stdout)), {
    outcome: "not permitted",
    bin: path.join(prefix, "bin", "pyrun"),
    command: LINK_COMMAND,
  });
  assert.ok(!fs.existsSync(path.join(prefix, "bin")));
});

test("after setup, pyrun is on PATH through npm's global prefix, unless setup could only name the command", async () => {
  const prefix = globalPrefix();
  const bin = path.join(prefix, "bin", "pyrun");
  if (!fs.existsSync(bin)) {
    // setup printed LINK_COMMAND: the prefix is not this user's (never root's case)
    assert.throws(() => fs.accessSync(path.join(prefix, "bin"), fs.constants.W_OK));
    return;
  }
  assert.match(fs.realpathSync(bin), /\/loader\/node\/pyrun\.mjs$/);
  const r = await run("pyrun", ["--version"], { cwd: scratch(), env: { PATH: `${path.join(prefix, "bin")}:${process.env.PATH}` } });
  assert.equal(r.status, 0, text(r.stderr));
  assert.match(text(r.stdout), /^Python 3\.\d+\.\d+ \(pyrun \d+\.\d+\.\d+, Pyodide [\d.]+\)\n$/);
});

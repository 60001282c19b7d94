// The host's files are visible at their real absolute paths, and writes
// reach the host disk.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

test("reads and writes in the working directory, the script's directory and /tmp reach the host", async () => {
  const work = scratch({ "input.txt": "from the cwd\n" });
  const code = scratch({ "data.txt": "next to the script\n" });
  const tmpName = `pyrun-host-files-${process.pid}.txt`;
  fs.writeFileSync(path.join(code, "main.py"), `
import os, pathlib
print(open("input.txt").read(), end="")
here = os.path.dirname(os.path.abspath(__file__))
print(open(os.path.join(here, "data.txt")).read(), end="")
pathlib.Path("out.txt").write_text("written by python\\n")
with open("/tmp/${tmpName}", "w") as f:
    f.write("in tmp")
os.mkdir("made_dir")
print(sorted(os.listdir(".")))
`);
  const r = await pyrun([path.join(code, "main.py")], { cwd: work });
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "from the cwd\nnext to the script\n['input.txt', 'made_dir', 'out.txt']\n");
  assert.equal(fs.readFileSync(path.join(work, "out.txt"), "utf8"), "written by python\n");
  assert.equal(fs.readFileSync(path.join(os.tmpdir(), tmpName), "utf8"), "in tmp");
  assert.ok(fs.statSync(path.join(work, "made_dir")).isDirectory());
  fs.rmSync(path.join(os.tmpdir(), tmpName));
});

test("absolute host paths outside the project are readable", async () => {
  const r = await pyrun(["-c", "print(open('/etc/os-release').read().splitlines()[0])"]);
  assert.equal(text(r.stdout), fs.readFileSync("/etc/os-release", "utf8").split("\n")[0] + "\n");
});

test("a missing file raises FileNotFoundError with the path, as in CPython", async () => {
  const dir = scratch();
  const r = await pyrun(["-c", "open('absent.txt')"], { cwd: dir });
  assert.equal(r.status, 1);
  assert.match(text(r.stderr), /FileNotFoundError: \[Errno \d+\] No such file or directory: 'absent\.txt'\n$/);
});

// Writes each case's .out from CPython 3.11 running the same program, as
// the reference pyrun must match, and its .notes from the native build's
// transform. (A .strict.out, what strict mode prints instead, is written
// by hand.)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

import { CASES_DIR, describeRun, listCases } from "./case-format.mjs";

const NATIVE = path.resolve(CASES_DIR, "../../build/native");
const NOTES = `
import sys, pyrun
_, notes = pyrun.transform(open(sys.argv[1]).read(), "case.py")
print("".join(n[len("case.py:"):] + "\\n" for n in notes), end="")
`;

for (const c of listCases()) {
  const notes = spawnSync("/usr/bin/python3.11", ["-c", NOTES, c.file], {
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: NATIVE },
  });
  if (notes.status !== 0) throw new Error(notes.stderr);
  fs.writeFileSync(c.notesFile, notes.stdout);
  const env = { ...process.env };
  delete env.PYTHONUNBUFFERED;
  const r = spawnSync("/usr/bin/python3.11", [c.file], { input: c.stdin, encoding: "utf8", env });
  const described = describeRun({ stdout: r.stdout, stderr: r.stderr, status: r.status });
  fs.writeFileSync(c.outFile, described);
  console.log(`${c.name}: status ${r.status}`);
}

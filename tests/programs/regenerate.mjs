// Writes each program's expected.out from CPython 3.11 running it (those
// marked `# pyrun-only` keep their hand-written one). -B: no __pycache__
// left in the fixtures.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

import { describeProgramRun, listPrograms } from "./program-format.mjs";

for (const p of listPrograms()) {
  if (p.pyrunOnly) continue;
  const env = { ...process.env };
  delete env.PYTHONUNBUFFERED;
  const r = spawnSync("/usr/bin/python3.11", ["-B", ...p.args], { cwd: p.dir, encoding: "utf8", env });
  fs.writeFileSync(p.expectedFile, describeProgramRun(p, { stdout: r.stdout, stderr: r.stderr, status: r.status }));
  console.log(`${p.name}: status ${r.status}`);
}

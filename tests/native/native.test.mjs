// The C runtime's native tests (tests/native/test_*.py), run against the
// native build in Debian's python3.11.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { PYTHON3, ROOT, run, text } from "../helpers/run.mjs";

const HERE = path.join(ROOT, "tests/native");

for (const file of fs.readdirSync(HERE).filter((f) => /^test_.*\.py$/.test(f)).sort()) {
  test(`native: ${file}`, async () => {
    const r = await run(PYTHON3, ["-m", "unittest", "-v", path.join(HERE, file)], {
      cwd: ROOT,
      env: { PYTHONPATH: path.join(ROOT, "build/native"), PYTHONDONTWRITEBYTECODE: "1" },
    });
    assert.equal(r.status, 0, `${text(r.stderr)}${text(r.stdout)}`);
  });
}

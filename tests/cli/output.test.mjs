// stdout and stderr reach the user byte for byte, interleaved exactly as
// python3 interleaves them, and large output streams through.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { PYRUN_CMD, PYTHON3_CMD, pyrun, python3, scratch, shell, text } from "../helpers/run.mjs";

const INTERLEAVED = `
import sys
print("a"); print("b", file=sys.stderr); print("c")
sys.stdout.write("no newline"); print("err2", file=sys.stderr)
print("flushed", flush=True); print("e", file=sys.stderr)
sys.stderr.write("partial"); sys.stdout.write("tail\\n"); sys.stderr.write(" line\\n")
print("\\u00e9\\u2713 \\u65e5\\u672c \\U0001f600")
`;

// Both streams into one pipe, as `2>&1` does, so their order is observable.
async function interleaving(options, flags = "") {
  const dir = scratch({ "p.py": INTERLEAVED });
  const [ours, theirs] = await Promise.all([
    shell(`${PYRUN_CMD} ${flags} ${dir}/p.py 2>&1`, options),
    shell(`${PYTHON3_CMD} ${flags} ${dir}/p.py 2>&1`, options),
  ]);
  assert.ok(theirs.stdout.length > 0);
  assert.equal(text(ours.stdout), text(theirs.stdout));
  assert.deepEqual(ours.stdout, theirs.stdout);
}

test("stdout and stderr interleave as in python3 when stdout is a pipe", () => interleaving({}));

test("stdout and stderr interleave as in python3 under PYTHONUNBUFFERED=1", () =>
  interleaving({ env: { PYTHONUNBUFFERED: "1" } }));

test("-u makes the streams unbuffered, as python3 -u", () => interleaving({}, "-u"));

test("output is byte-exact: raw bytes, UTF-8 text and line endings", async () => {
  const code = `
import sys
sys.stdout.buffer.write(b"raw \\xff\\xfe bytes\\n")
sys.stdout.flush()
print("\\u00e9\\u2713\\U0001f600", end="")
print("\\r\\n", end="")
sys.stderr.buffer.write(b"err \\xc3\\xa9\\n")
`;
  const [ours, theirs] = await Promise.all([pyrun(["-c", code]), python3(["-c", code])]);
  assert.deepEqual(ours.stdout, theirs.stdout);
  assert.deepEqual(ours.stderr, theirs.stderr);
  assert.equal(ours.status, 0);
});

test("10 MB of output streams through intact", async () => {
  const code = `
for i in range(200_000):
    print(f"line {i:06d} " + "y" * 40)
`;
  const [ours, theirs] = await Promise.all([pyrun(["-c", code]), python3(["-c", code])]);
  assert.ok(theirs.stdout.length > 10_000_000);
  const digest = (b) => createHash("sha256").update(b).digest("hex");
  assert.equal(ours.stdout.length, theirs.stdout.length);
  assert.equal(digest(ours.stdout), digest(theirs.stdout));
  assert.equal(ours.status, 0);
});

test("writing into a closed pipe raises BrokenPipeError in Python", async () => {
  const dir = scratch({
    "p.py": `
import sys
try:
    for i in range(100_000):
        print("x" * 100)
except BrokenPipeError:
    sys.stderr.write("broken pipe seen\\n")
    sys.stdout = None
`,
  });
  const r = await shell(`${PYRUN_CMD} ${dir}/p.py | head -c 10 >/dev/null; echo "status=\${PIPESTATUS[0]}"`);
  assert.equal(text(r.stderr), "broken pipe seen\n");
  assert.equal(text(r.stdout), "status=0\n");
});

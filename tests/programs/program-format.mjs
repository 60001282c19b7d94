// Multi-file programs (tests/programs/<name>/): the format shared by the
// script that regenerates their expected output and the test that runs
// them. Each is a directory run from inside itself; main.py's header says
//   # argv: ARGS...           what follows `pyrun` (default: main.py)
//   # pyrun-only: REASON      expected.out is written by hand, because
//                             CPython cannot run the program as it is
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROGRAMS_DIR = path.dirname(fileURLToPath(import.meta.url));

export function listPrograms() {
  return fs
    .readdirSync(PROGRAMS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map(readProgram);
}

export function readProgram(name) {
  const dir = path.join(PROGRAMS_DIR, name);
  const header = fs
    .readFileSync(path.join(dir, "main.py"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("# "));
  const value = (key) => header.find((l) => l.startsWith(`# ${key}: `))?.slice(key.length + 4);
  const expectedFile = path.join(dir, "expected.out");
  return {
    name,
    dir,
    args: value("argv")?.split(" ") ?? ["main.py"],
    pyrunOnly: value("pyrun-only") ?? null,
    expected: fs.existsSync(expectedFile) ? fs.readFileSync(expectedFile, "utf8") : null,
    expectedFile,
  };
}

// What a run shows as one text, with the program's directory written as
// <program> so that outputs do not depend on where the repository is.
export function describeProgramRun(program, { stdout, stderr, status }) {
  const clean = (s) => s.split(program.dir).join("<program>");
  let text = clean(stdout);
  if (stderr) text += `--- stderr ---\n${clean(stderr)}`;
  if (status) text += `--- status ${status} ---\n`;
  return text;
}

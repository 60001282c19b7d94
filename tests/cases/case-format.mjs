// The case table's file format (see README.md), shared by the script that
// regenerates expected outputs and by the tests that check them.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CASES_DIR = path.dirname(fileURLToPath(import.meta.url));

export function listCases() {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".py"))
    .sort()
    .map((f) => readCase(f.slice(0, -3)));
}

export function readCase(name) {
  const file = path.join(CASES_DIR, `${name}.py`);
  const source = fs.readFileSync(file, "utf8");
  const header = source.split("\n").filter((l) => l.startsWith("# "));
  const values = (key) => header.filter((l) => l.startsWith(`# ${key}: `)).map((l) => l.slice(key.length + 4));
  const outFile = path.join(CASES_DIR, `${name}.out`);
  const strictOutFile = path.join(CASES_DIR, `${name}.strict.out`);
  const jspiOutFile = path.join(CASES_DIR, `${name}.jspi.out`);
  const notesFile = path.join(CASES_DIR, `${name}.notes`);
  const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null);
  return {
    name,
    file,
    source,
    stdin: values("stdin").map((l) => `${l}\n`).join(""),
    // What CPython prints, and so pyrun.
    expected: read(outFile),
    // In strict mode (PYRUN_STRICT_ASYNC=1), where pyrun cannot make code
    // async it raises BlockingError instead of waiting synchronously; a
    // .strict.out, written by hand, says so. With JSPI it waits there in
    // both modes, and the program prints what CPython prints.
    expectedStrict: read(strictOutFile) ?? read(outFile),
    // Where Pyodide has JSPI, each turn of its event loop starts from
    // JavaScript with no trace or profile function (sys.settrace), plain
    // Pyodide's own coroutines included; a .jspi.out, written by hand, says
    // what a case that traces across a wait prints there.
    expectedJspi: read(jspiOutFile) ?? read(outFile),
    notes: read(notesFile),
    outFile,
    notesFile,
  };
}

// What a run shows, as one text: stdout, stderr and a non-zero status,
// with the case directory's path replaced so outputs do not depend on
// where the repository is.
export function describeRun({ stdout, stderr, status }) {
  const clean = (s) => s.split(CASES_DIR).join("<cases>");
  let text = clean(stdout);
  if (stderr) text += `--- stderr ---\n${clean(stderr)}`;
  if (status) text += `--- status ${status} ---\n`;
  return text;
}

// In strict mode what must match is stdout, the status and the error:
// the last line of stderr up to where it says where (the traceback above it
// differs between runtimes, threads and JSPI).
export function strictEssentials(text) {
  const [stdout, ...rest] = text.split("--- stderr ---\n");
  if (rest.length === 0) return text;
  const [stderr, status = ""] = rest.join("--- stderr ---\n").split(/(?=--- status)/);
  const last = stderr.trimEnd().split("\n").at(-1).split(" (")[0];
  return `${stdout}--- stderr ---\n${last}\n${status}`;
}

// Tracebacks differ between Python versions in how they show source lines
// (carets, "...<2 lines>..." since 3.13) and in 3.11's comprehension frames;
// what must match is stdout, the frames, the messages and the status.
export function essentials(text) {
  const [stdout, ...rest] = text.split("--- stderr ---\n");
  if (rest.length === 0) return text;
  const stderr = rest
    .join("--- stderr ---\n")
    .split("\n")
    .filter((line) => !line.startsWith("    ")) // source lines, carets
    .filter((line) => !/, in <(listcomp|dictcomp|setcomp|genexpr)>$/.test(line))
    .join("\n");
  return `${stdout}--- stderr ---\n${stderr}`;
}

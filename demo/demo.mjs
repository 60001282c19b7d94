// The demo page: a code editor with files in tabs, Run and Stop, an output
// console (text only, never HTML) whose traceback lines lead to the code,
// an input line that answers input(), a status line, and the program's own
// source with each line pyrun rewrote marked, and why.
import { createEditor, highlightPython } from "./editor/editor.js";
import { EXAMPLES } from "./examples.mjs";
import { loadPyrun } from "./pyrun/browser/pyrun.mjs";

const $ = (id) => document.getElementById(id);
const ui = {
  examples: $("examples"),
  run: $("run"),
  stop: $("stop"),
  clock: $("clock"),
  status: $("status"),
  tabs: $("tabs"),
  newFile: $("new-file"),
  newFileName: $("new-file-name"),
  output: $("output"),
  inputForm: $("input-form"),
  inputLine: $("input-line"),
  send: $("send"),
  pyArea: $("py-area"),
  rewritten: $("rewritten"),
};

// ---- the clock: proof that the page never freezes ----------------------
function tick() {
  const now = new Date();
  ui.clock.textContent = `${now.toLocaleTimeString("en-GB")}.${Math.floor(now.getMilliseconds() / 100)}`;
}
tick();
setInterval(tick, 100);

// ---- status -------------------------------------------------------------
// "running", "waiting for input", "exited (status N)", and after a program
// that left event handlers on the page, "... — handlers still active".
let lastExit = null; // { status } once the last program has ended
function setStatus(text, state = "") {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
}

function showExit() {
  if (!lastExit) return;
  const active = py?.handlers() ?? 0;
  setStatus(`exited (status ${lastExit.status})${active ? " — handlers still active" : ""}`, "exited");
}

// ---- files, tabs and the editor -----------------------------------------
let files = {};
let current = "main.py";

const editor = createEditor($("editor"), {
  onChange: (text) => {
    if (current in files) files[current] = text;
  },
});

function showTabs() {
  ui.tabs.replaceChildren(
    ...Object.keys(files).map((name) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.role = "tab";
      tab.textContent = name;
      tab.setAttribute("aria-selected", String(name === current));
      tab.addEventListener("click", () => openFile(name));
      return tab;
    }),
  );
}

function openFile(name) {
  current = name;
  editor.setText(files[name]);
  showTabs();
}

function loadExample(id) {
  const example = EXAMPLES.find((e) => e.id === id) ?? EXAMPLES[0];
  files = { ...example.files };
  openFile("main.py");
  const hint = document.createElement("p");
  hint.className = "none";
  hint.textContent = "Run the program to see which of its lines pyrun rewrites.";
  ui.rewritten.replaceChildren(hint);
}

for (const e of EXAMPLES) ui.examples.add(new Option(e.title, e.id));
ui.examples.addEventListener("change", () => loadExample(ui.examples.value));
// ?example=ID opens that example.
const requested = EXAMPLES.find((e) => e.id === new URLSearchParams(location.search).get("example")) ?? EXAMPLES[0];
ui.examples.value = requested.id;
loadExample(requested.id);

ui.newFile.addEventListener("submit", (event) => {
  event.preventDefault();
  let name = ui.newFileName.value.trim();
  if (!name) return;
  if (!name.endsWith(".py")) name += ".py";
  if (!/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(name)) {
    setStatus(`not a module file name: ${name}`);
    return;
  }
  if (!(name in files)) files[name] = "";
  ui.newFileName.value = "";
  openFile(name);
});

// ---- output, always as text; traceback lines lead to the code ----------
const TRACEBACK_LINE = /File "\/program\/([^"]+)", line (\d+)/g;

function jumpTo(file, line) {
  if (!(file in files)) return;
  if (file !== current) openFile(file);
  editor.jumpToLine(line);
}

function write(text, kind) {
  const atEnd = ui.output.scrollTop + ui.output.clientHeight >= ui.output.scrollHeight - 4;
  const span = document.createElement("span");
  if (kind) span.className = kind;
  let at = 0;
  for (const match of text.matchAll(TRACEBACK_LINE)) {
    span.append(text.slice(at, match.index));
    const [whole, file, line] = match;
    if (file in files) {
      const link = document.createElement("button");
      link.type = "button";
      link.className = "tb-link";
      link.textContent = whole;
      link.title = `show ${file}, line ${line}`;
      link.addEventListener("click", () => jumpTo(file, Number(line)));
      span.append(link);
    } else {
      span.append(whole);
    }
    at = match.index + whole.length;
  }
  span.append(text.slice(at));
  ui.output.append(span);
  if (atEnd) ui.output.scrollTop = ui.output.scrollHeight;
}

// ---- input() ------------------------------------------------------------
let answer = null; // resolves the line input() waits for

// { password: true }: getpass.getpass() asks; what is typed is not shown
let hidden = false;
function readLine({ password = false } = {}) {
  return new Promise((resolve) => {
    answer = resolve;
    hidden = password;
    setStatus("waiting for input", "waiting");
    ui.inputLine.type = password ? "password" : "text";
    ui.inputLine.disabled = false;
    ui.send.disabled = false;
    ui.inputLine.placeholder = password ? "type the password and press Enter (it is not shown)" : "type your answer and press Enter";
    ui.inputLine.focus();
  });
}

function closeInput() {
  answer = null;
  ui.inputLine.value = "";
  ui.inputLine.type = "text";
  ui.inputLine.disabled = true;
  ui.send.disabled = true;
  ui.inputLine.placeholder = "the program is not waiting for input";
}

ui.inputForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!answer) return;
  const line = ui.inputLine.value;
  const resolve = answer;
  closeInput();
  // as a terminal echoes what is typed, after the prompt (a password is
  // not echoed: pyrun ends its line)
  if (!hidden) write(`${line}\n`, "echo");
  if (running) setStatus("running", "running");
  else showExit();
  resolve(line);
});

// ---- what pyrun rewrote -------------------------------------------------
// Transformed code calls pyrun's helpers as __pyrun__.<name>: shown as
// plain words, with what each does on hover.
const HELPERS = {
  call: "a call whose result pyrun awaits when it is a coroutine: pyrun could not tell in advance",
  new: "creating an instance whose __init__ waits, awaiting it",
  sort: "list.sort with a key function that waits",
};
const FACE =
  "a face: the function stays callable from code pyrun does not rewrite (the interpreter, a library, " +
  "a JS event); there it waits through JSPI where the browser has it, and an event handler runs it as a task";

function element(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}
const paragraph = (className, text) => element("p", className, text);
const code = (text) => element("code", "", text);

function abbr(text, title) {
  const node = element("abbr", "", text);
  node.title = title;
  return node;
}

// One note's words as nodes, helper names and "face" explained, and
// pyrun's "colored" (a function that reaches a blocking call) said plainly.
function plainWords(text) {
  text = text.replace(/\bmay be colored\b/g, "may wait").replace(/\bcolored\b/g, "waiting");
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(/__pyrun__\.(\w+)|\bface\b/g)) {
    nodes.push(text.slice(at, match.index));
    if (match[1]) nodes.push(abbr(`pyrun's ${match[1]}`, HELPERS[match[1]] ?? `pyrun's async stand-in for ${match[1]}`));
    else nodes.push(abbr("face", FACE));
    at = match.index + match[0].length;
  }
  nodes.push(text.slice(at));
  return nodes;
}

// "inventory.py:11 time.sleep -> await asyncio.sleep" as a sentence.
function reason(text) {
  const colored = /^(\S+) colored: (.*) \(line (\d+)\)$/.exec(text);
  if (colored) {
    const [, name, why, line] = colored;
    const because = /^(calls|overrides) /.test(why) ? why : `reaches ${why}`;
    return [code(name), " becomes ", code("async def"), `: it ${because} (line ${line})`].flatMap((n) =>
      typeof n === "string" ? plainWords(n) : [n],
    );
  }
  const arrow = text.indexOf(" -> ");
  if (arrow > 0) return [...plainWords(text.slice(0, arrow)), " becomes ", ...plainWords(text.slice(arrow + 4))];
  return plainWords(text);
}

function showRewritten(modules) {
  const sections = [];
  for (const { filename, notes } of modules) {
    const source = files[filename];
    if (source === undefined) continue;
    const byLine = new Map();
    for (const note of notes) {
      const m = /^(.*):(\d+) (.*)$/.exec(note);
      if (!m || m[1] !== filename) continue;
      const line = Number(m[2]);
      if (!byLine.has(line)) byLine.set(line, []);
      byLine.get(line).push(m[3]);
    }
    const heading = element(
      "h3",
      "",
      filename,
      " ",
      element("span", "count", byLine.size ? `${byLine.size} line${byLine.size > 1 ? "s" : ""} rewritten` : "runs as written: nothing here blocks"),
    );
    sections.push(heading);
    if (!byLine.size) continue;
    // the user's own lines, each rewritten one marked, its reasons below it
    const rows = highlightPython(source).flatMap((pieces, i) => {
      const number = i + 1;
      const text = element("td", "src", ...pieces.map(([t, cls]) => (cls ? element("span", cls, t) : t)));
      const why = byLine.get(number);
      const row = element("tr", why ? "changed" : "", element("td", "no", String(number)), text);
      if (!why) return [row];
      const reasons = element("tr", "why-row", element("td", "no"), element("td", "why", element("ul", "", ...[...new Set(why)].map((w) => element("li", "", ...reason(w))))));
      for (const r of [row, reasons]) {
        r.title = `show line ${number} in the editor`;
        r.addEventListener("click", () => jumpTo(filename, number));
      }
      return [row, reasons];
    });
    sections.push(element("table", "", element("tbody", "", ...rows)));
  }
  sections.push(
    paragraph(
      "legend",
      "Marked lines are where pyrun makes your program wait without blocking the page: blocking calls " +
        "become awaits, and functions that reach them become async def. The rest runs exactly as written.",
    ),
  );
  ui.rewritten.replaceChildren(...sections);
}

function transformAndShow(main, others) {
  try {
    showRewritten(py.transform(main, { filename: "main.py", files: others }));
  } catch (e) {
    // a syntax error: running the program reports it with a traceback
    ui.rewritten.replaceChildren(paragraph("none", `pyrun cannot rewrite this program: ${e.message.trim().split("\n").at(-1)}`));
  }
}

// ---- running ------------------------------------------------------------
let py = null;
let running = false;

async function run() {
  if (running || !py) return;
  if (!("main.py" in files)) {
    setStatus("there is no main.py to run");
    return;
  }
  running = true;
  lastExit = null;
  ui.run.disabled = true;
  ui.stop.disabled = false;
  ui.output.replaceChildren();
  ui.pyArea.replaceChildren();
  const { "main.py": main, ...others } = files;
  transformAndShow(main, others);
  setStatus("running", "running");
  try {
    const status = await py.run(main, { filename: "main.py", files: others });
    lastExit = { status };
  } catch (e) {
    write(`pyrun failed: ${e.message}\n`, "stderr");
    setStatus("failed");
  } finally {
    closeInput(); // an input() the program was waiting for when stopped
    running = false;
    ui.run.disabled = false;
    ui.stop.disabled = true;
    showExit();
  }
}

ui.run.addEventListener("click", run);
ui.stop.addEventListener("click", () => {
  if (py?.interrupt()) setStatus("stopping", "running");
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  }
});
// Handlers a finished program left may remove themselves.
setInterval(() => {
  if (!running && lastExit && answer === null) showExit();
}, 500);

try {
  const started = performance.now();
  py = await loadPyrun({
    indexURL: new URL("pyodide/", location.href).href,
    runtimeURL: new URL("runtime/pyrun.abi3.so", location.href).href,
    stdout: (text) => write(text),
    stderr: (text) => write(text, "stderr"),
    stdin: readLine,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const how = py.startup.from === "cold" ? "started cold" : "started from the snapshot";
  setStatus("ready", "ready");
  ui.status.title = `${how} in ${seconds} s`;
  ui.run.disabled = false;
} catch (e) {
  setStatus("could not load Pyodide");
  write(`${e.stack ?? e}\n`, "stderr");
}

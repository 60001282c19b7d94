// The demo page: an editor with files in tabs, Run and Stop, an output
// console (text only, never HTML), an input line that answers input(), and
// the program as pyrun rewrites it.
import { loadPyrun } from "./pyrun/browser/pyrun.mjs";
import { EXAMPLES } from "./examples.mjs";

const $ = (id) => document.getElementById(id);
const ui = {
  examples: $("examples"),
  run: $("run"),
  stop: $("stop"),
  clock: $("clock"),
  status: $("status"),
  tabs: $("tabs"),
  code: $("code"),
  newFile: $("new-file"),
  newFileName: $("new-file-name"),
  output: $("output"),
  inputForm: $("input-form"),
  inputLine: $("input-line"),
  send: $("send"),
  pyArea: $("py-area"),
  transformed: $("transformed"),
};

// ---- the clock: proof that the page never freezes ----------------------
function tick() {
  const now = new Date();
  ui.clock.textContent = `${now.toLocaleTimeString("en-GB")}.${Math.floor(now.getMilliseconds() / 100)}`;
}
tick();
setInterval(tick, 100);

// ---- files and tabs -----------------------------------------------------
let files = {};
let current = "main.py";

function saveEditor() {
  if (current in files) files[current] = ui.code.value;
}

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
  saveEditor();
  current = name;
  ui.code.value = files[name];
  showTabs();
}

function loadExample(id) {
  const example = EXAMPLES.find((e) => e.id === id) ?? EXAMPLES[0];
  files = { ...example.files };
  current = "main.py";
  ui.code.value = files[current];
  showTabs();
  ui.transformed.textContent = "";
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

// Tab inserts four spaces, as in any code editor.
ui.code.addEventListener("keydown", (event) => {
  if (event.key !== "Tab" || event.shiftKey) return;
  event.preventDefault();
  ui.code.setRangeText("    ", ui.code.selectionStart, ui.code.selectionEnd, "end");
});

// ---- output, always as text ---------------------------------------------
function write(text, kind) {
  const atEnd = ui.output.scrollTop + ui.output.clientHeight >= ui.output.scrollHeight - 4;
  const span = document.createElement("span");
  if (kind) span.className = kind;
  span.textContent = text;
  ui.output.append(span);
  if (atEnd) ui.output.scrollTop = ui.output.scrollHeight;
}

function setStatus(text) {
  ui.status.textContent = text;
}

// ---- input() ------------------------------------------------------------
let answer = null; // resolves the line input() waits for

function readLine() {
  return new Promise((resolve) => {
    answer = resolve;
    ui.inputLine.disabled = false;
    ui.send.disabled = false;
    ui.inputLine.placeholder = "type a line and press Enter";
    ui.inputLine.focus();
  });
}

function closeInput() {
  answer = null;
  ui.inputLine.value = "";
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
  write(`${line}\n`, "echo");
  resolve(line);
});

// ---- the program as pyrun runs it ----------------------------------------
function showTransform(py) {
  saveEditor();
  const { "main.py": main, ...others } = files;
  try {
    const modules = py.transform(main, { filename: "main.py", files: others });
    ui.transformed.textContent = modules
      .map(({ filename, code, notes }) => {
        const why = notes.length ? notes.map((n) => `# ${n}`).join("\n") : "# nothing blocks: runs as written";
        return `# ==== ${filename} ====\n${code}\n${why}\n`;
      })
      .join("\n");
  } catch (e) {
    ui.transformed.textContent = `cannot transform: ${e.message.trim().split("\n").at(-1)}`;
  }
}

// ---- running ------------------------------------------------------------
let py = null;
let running = false;

async function run() {
  if (running || !py) return;
  saveEditor();
  if (!("main.py" in files)) {
    setStatus("there is no main.py to run");
    return;
  }
  running = true;
  ui.run.disabled = true;
  ui.stop.disabled = false;
  ui.output.replaceChildren();
  ui.pyArea.replaceChildren();
  showTransform(py);
  setStatus("running");
  const { "main.py": main, ...others } = files;
  try {
    const status = await py.run(main, { filename: "main.py", files: others });
    setStatus(`exited with status ${status}`);
  } catch (e) {
    write(`pyrun failed: ${e.message}\n`, "stderr");
    setStatus("failed");
  } finally {
    closeInput();
    running = false;
    ui.run.disabled = false;
    ui.stop.disabled = true;
  }
}

ui.run.addEventListener("click", run);
ui.stop.addEventListener("click", () => {
  if (py?.interrupt()) setStatus("stopping");
});

try {
  py = await loadPyrun({
    indexURL: new URL("pyodide/", location.href).href,
    runtimeURL: new URL("runtime/pyrun.abi3.so", location.href).href,
    stdout: (text) => write(text),
    stderr: (text) => write(text, "stderr"),
    stdin: readLine,
  });
  setStatus("ready");
  ui.run.disabled = false;
} catch (e) {
  setStatus("could not load Pyodide");
  write(`${e.stack ?? e}\n`, "stderr");
}

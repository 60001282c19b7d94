// Starting Pyodide and pyrun's runtime in a page or a worker, from a
// start-up snapshot when there is a good one, as the CLI does
// (loader/node/startup-snapshot.mjs):
//   1. the snapshot this browser keeps in IndexedDB, made for this page's
//      Pyodide, runtime, snapshot code, JSPI or not, time zone, language
//      and Pyodide options;
//   2. else a prebuilt one from `npm run build`, if the page serves it
//      (prebuiltSnapshots: the URL of build/snapshot/);
//   3. else a cold start, after which a worker makes the snapshot in the
//      background, once the page is idle: a first visit does not wait.
// A snapshot that is missing, stale, corrupt or that Pyodide refuses means
// a cold start, and a new one made in the background.
import { startPyrun } from "../core.mjs";
import { SNAPSHOT_FORMAT, decodeSnapshot, digest } from "./snapshot-file.mjs";
import { deleteStored, readStored } from "./snapshot-store.mjs";

const STATE_URL = new URL("../snapshot-state.mjs", import.meta.url);
const MAKER_URL = new URL("./snapshot-maker.mjs", import.meta.url);

// Options that do not shape the interpreter a snapshot holds, or that a
// worker cannot be given (functions).
const NOT_IN_SNAPSHOT = new Set(["indexURL", "packages", "stdin", "stdout", "stderr", "fsInit", "jsglobals"]);

async function fetchBytes(url, what) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadPyrun: cannot fetch ${what} from ${url} (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

// The options a snapshot is made with: plain data only, keys sorted.
function snapshotOptions(pyodideOptions) {
  const picked = {};
  for (const name of Object.keys(pyodideOptions).sort()) {
    const value = pyodideOptions[name];
    if (NOT_IN_SNAPSHOT.has(name) || name.startsWith("_") || typeof value === "function") continue;
    try {
      picked[name] = JSON.parse(JSON.stringify(value));
    } catch {
      // not plain data: left out
    }
  }
  return picked;
}

// What Python reads from its surroundings as it starts and keeps: the time
// zone (time.tzname) and LANG, which Emscripten takes from the browser's
// first language.
function surroundings() {
  const year = new Date().getFullYear();
  const offsets = [0, 6].map((month) => new Date(year, month, 1).getTimezoneOffset());
  const zone = globalThis.Intl?.DateTimeFormat().resolvedOptions().timeZone ?? "";
  const language = globalThis.navigator?.languages?.[0] ?? "C";
  return { timeZone: `${zone} ${offsets.join(" ")}`, lang: `${language.replace("-", "_")}.UTF-8` };
}

// The C library's time zone as Emscripten's tzset sets it as the
// interpreter starts (its _tzset_js, which a restored interpreter does not
// run again): the offset, daylight saving, and the two names.
function setLibcTimeZone(module) {
  const year = new Date().getFullYear();
  const winter = new Date(year, 0, 1).getTimezoneOffset();
  const summer = new Date(year, 6, 1).getTimezoneOffset();
  const zone = (offset) => {
    const abs = Math.abs(offset);
    const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
    return `UTC${offset >= 0 ? "-" : "+"}${hhmm}`;
  };
  const [std, dst] = summer < winter ? [zone(winter), zone(summer)] : [zone(summer), zone(winter)];
  module.HEAPU32[module._timezone >>> 2] = Math.max(winter, summer) * 60;
  module.HEAP32[module._daylight >>> 2] = Number(winter !== summer);
  const encoder = new TextEncoder();
  [std, dst].forEach((name, i) => {
    const buffer = module.HEAPU32[(module._tzname >>> 2) + i];
    module.HEAPU8.set([...encoder.encode(name.slice(0, 16)), 0], buffer);
  });
}

// The time zone and language of this browser, for a snapshot made
// elsewhere (a prebuilt one): the C library's, then Python's time module
// as CPython's sets itself up (Pyodide has no time.tzset), then LANG.
function adoptSurroundings(pyodide, lang) {
  setLibcTimeZone(pyodide._module);
  const scope = pyodide.toPy({ lang });
  try {
    pyodide.runPython(
      `
import os, time
def _zone(t):
    tm = time.localtime(t)
    return -tm.tm_gmtoff, tm.tm_zone
_year = (int(time.time()) // 31557600) * 31557600
(_jan, _jan_name), (_jul, _jul_name) = _zone(_year), _zone(_year + 15778800)
if _jan < _jul:  # the southern hemisphere
    time.timezone, time.altzone, time.tzname = _jul, _jan, (_jul_name, _jan_name)
else:
    time.timezone, time.altzone, time.tzname = _jan, _jul, (_jan_name, _jul_name)
time.daylight = int(_jan != _jul)
os.environ["LANG"] = lang
del _zone, _year, _jan, _jan_name, _jul, _jul_name
`,
      { globals: scope },
    );
  } finally {
    scope.destroy();
  }
}

/** Where the snapshot for this page is made in a worker, after start-up. */
function makeInBackground({ indexURL, options, jspi, key, slot }) {
  return new Promise((resolve) => {
    if (typeof Worker !== "function") return resolve({ stored: false, reason: "no Worker here" });
    const start = () => {
      const run = () =>
        new Promise((done) => {
          let worker;
          try {
            worker = new Worker(MAKER_URL, { type: "module" });
          } catch (e) {
            return done({ stored: false, reason: String(e?.message ?? e) });
          }
          worker.onmessage = ({ data }) => {
            worker.terminate();
            done(data);
          };
          worker.onerror = (event) => {
            worker.terminate();
            done({ stored: false, reason: event.message ?? "the worker failed" });
          };
          worker.postMessage({ indexURL, pyodideOptions: options, jspi, key, slot });
        });
      // One maker per slot across this origin's pages and workers.
      const locks = globalThis.navigator?.locks;
      if (!locks) return run().then(resolve);
      locks
        .request(`pyrun-snapshot-${slot}`, { ifAvailable: true }, (lock) =>
          lock ? run() : { stored: false, reason: "another page is making it" },
        )
        .then(resolve, (e) => resolve({ stored: false, reason: String(e?.message ?? e) }));
    };
    if (typeof requestIdleCallback === "function") requestIdleCallback(start, { timeout: 2000 });
    else setTimeout(start, 200);
  });
}

/**
 * Resolves to { pyodide, runtime, startup }, where startup says how it
 * started: { from: "snapshot" | "prebuilt" | "cold", reason, made }.
 * `made` resolves once a snapshot made in the background is kept (or
 * could not be): { stored, reason }.
 */
export async function startInBrowser({ indexURL, runtimeURL, pyodideOptions, keepSnapshot, prebuiltSnapshots }) {
  const jspi = typeof WebAssembly.Suspending === "function";
  const options = snapshotOptions(pyodideOptions);
  const { timeZone, lang } = surroundings();
  const slot = digest(String(jspi), timeZone, lang, JSON.stringify(options));
  const wanted = keepSnapshot || prebuiltSnapshots;
  const [{ loadPyodide, version }, runtimeBytes, state, stored] = await Promise.all([
    import(`${indexURL}pyodide.mjs`),
    fetchBytes(runtimeURL, "the runtime"),
    wanted ? fetch(STATE_URL).then((r) => (r.ok ? r.text() : null), () => null) : null,
    keepSnapshot ? readStored(slot) : null,
  ]);
  const boot = { loadPyodide, runtimeBytes, pyodideOptions: { ...pyodideOptions, indexURL } };
  if (!wanted || state === null) {
    const reason = wanted ? "the snapshot code cannot be fetched" : "start-up snapshots are off";
    return { ...(await startPyrun(boot)), startup: { from: "cold", reason, made: null } };
  }
  // Everything a snapshot is valid for; a prebuilt one is made elsewhere,
  // so its time zone and language are set anew once it is restored.
  const madeFor = {
    format: SNAPSHOT_FORMAT,
    pyodide: version,
    runtime: digest(runtimeBytes),
    setup: digest(state),
    jspi,
    options: JSON.stringify(options),
  };
  const key = { ...madeFor, timeZone, lang };

  let reason = "there is none yet";
  if (stored) {
    const found = decodeSnapshot(stored, key);
    reason = found.reason;
    if (found.bytes) {
      try {
        return { ...(await startPyrun({ ...boot, snapshot: found.bytes })), startup: { from: "snapshot", made: null } };
      } catch (e) {
        reason = `it could not be restored (${String(e?.message ?? e).split("\n")[0]})`;
      }
    }
    await deleteStored(slot);
  }
  let started = null;
  if (prebuiltSnapshots) {
    const url = new URL(`startup-${jspi ? "jspi" : "nojspi"}.snapshot`, prebuiltSnapshots);
    try {
      const found = decodeSnapshot(await fetchBytes(url, "the prebuilt snapshot"), madeFor);
      if (!found.bytes) throw new Error(`the prebuilt snapshot ${url}: ${found.reason}`);
      started = await startPyrun({ ...boot, snapshot: found.bytes });
      adoptSurroundings(started.pyodide, lang);
      started.startup = { from: "prebuilt", reason };
    } catch (e) {
      reason = `${reason}; ${String(e?.message ?? e).split("\n")[0]}`;
      started = null;
    }
  }
  started ??= { ...(await startPyrun(boot)), startup: { from: "cold", reason } };
  started.startup.made = keepSnapshot ? makeInBackground({ indexURL, options, jspi, key, slot }) : null;
  return started;
}

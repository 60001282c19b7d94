// Start-up in a page, Debian's Chromium: loadPyrun() against loadPyodide()
// from the same server, on a first visit (a fresh profile: nothing cached)
// and on a return visit (the same profile: Pyodide's files in the HTTP
// cache, and pyrun's snapshot in IndexedDB), with JSPI hidden (as Firefox
// and Safari) and as Chromium ships. Each figure is the time from the
// module's import to the promise resolving, measured in the page.
import { fileURLToPath } from "node:url";

import { openBrowser } from "../tests/browser/browser.mjs";
import { HEADER, ratio, row, summary } from "./measure.mjs";

const LOAD = {
  async pyodide() {
    const t0 = performance.now();
    const { loadPyodide } = await import("/pyodide/pyodide.mjs");
    await loadPyodide({ indexURL: "/pyodide/" });
    return { ms: performance.now() - t0 };
  },
  async pyrun(options) {
    const t0 = performance.now();
    const { loadPyrun } = await import("/pyrun/browser/pyrun.mjs");
    const py = await loadPyrun({ indexURL: "/pyodide/", runtimeURL: "/runtime/pyrun.abi3.so", ...options });
    const ms = performance.now() - t0;
    // the snapshot made in the background, before the next visit
    const made = await py.startup.made;
    return { ms, from: py.startup.from, made };
  },
};

async function visit(context, url, what, options = {}) {
  const page = await context.newPage();
  try {
    await page.goto(new URL("blank.html", url).href);
    const fn = `(${LOAD[what].toString().replace(/^async \w+/, "async function")})`;
    const result = await page.evaluate(`${fn}(${JSON.stringify(options)})`);
    const expected = options.expect;
    if (expected && result.from !== expected) throw new Error(`pyrun started ${result.from}, not from ${expected}`);
    return result.ms;
  } finally {
    await page.close();
  }
}

export async function browserStartupRows(rounds = 5) {
  const rows = [];
  for (const hideJspi of [true, false]) {
    const browser = await openBrowser({ hideJspi, routeWorker: false });
    const samples = { bareFirst: [], bareReturn: [], first: [], return: [], prebuilt: [] };
    try {
      for (let i = 0; i < rounds; i++) {
        let context = await browser.newContext();
        samples.bareFirst.push(await visit(context, browser.url, "pyodide"));
        samples.bareReturn.push(await visit(context, browser.url, "pyodide"));
        await context.close();
        context = await browser.newContext();
        samples.first.push(await visit(context, browser.url, "pyrun", { expect: "cold" }));
        samples.return.push(await visit(context, browser.url, "pyrun", { expect: "snapshot" }));
        await context.close();
        context = await browser.newContext();
        samples.prebuilt.push(await visit(context, browser.url, "pyrun", { prebuiltSnapshots: "/snapshot/", expect: "prebuilt" }));
        await context.close();
      }
    } finally {
      await browser.close();
    }
    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
    const mode = hideJspi ? "no JSPI" : "JSPI";
    rows.push(
      row(`page (${mode}) 1st visit: loadPyodide()`, s.bareFirst),
      row(`page (${mode}) 1st visit: loadPyrun()`, s.first),
      row(`page (${mode}) 1st visit ratio pyrun / Pyodide`, ratio(s.first, s.bareFirst), "x", 2),
      row(`page (${mode}) return: loadPyodide()`, s.bareReturn),
      row(`page (${mode}) return: loadPyrun()`, s.return),
      row(`page (${mode}) return ratio pyrun / Pyodide`, ratio(s.return, s.bareReturn), "x", 2),
      row(`page (${mode}) 1st visit, prebuilt snapshot`, s.prebuilt),
      row(`page (${mode}) prebuilt / Pyodide 1st visit`, ratio(s.prebuilt, s.bareFirst), "x", 2),
    );
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(HEADER);
  for (const line of await browserStartupRows(Number(process.env.BENCH_ROUNDS ?? 5))) console.log(line);
}

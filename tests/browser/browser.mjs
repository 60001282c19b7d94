// Debian's Chromium, headless, driven through playwright-core, with the
// demo served on a free localhost port.
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { startDemoServer } from "../../demo/server.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const CHROMIUM = process.env.PYRUN_CHROMIUM ?? "/usr/bin/chromium";

// Resolves to a browser whose close() also stops the server; `url` is the
// demo's. With hideJspi, every page loses WebAssembly.Suspending and
// WebAssembly.promising before any of its scripts run, as in a browser
// without JSPI.
// Routing a request turns a context's HTTP cache off: `routeWorker: false`
// keeps it (for benchmarks of return visits), without the worker page.
export async function openBrowser({ hideJspi = false, contextOptions = {}, routeWorker = true } = {}) {
  const server = await startDemoServer();
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  const context = await newContext(browser, { hideJspi, contextOptions, routeWorker });
  return {
    url: server.url,
    context,
    newPage: () => context.newPage(),
    // a page of the demo's origin with nothing on it (demo/server.mjs)
    async newBlankPage() {
      const page = await context.newPage();
      await page.goto(new URL("blank.html", server.url).href);
      return page;
    },
    // another profile: its own storage and HTTP cache
    newContext: (options = {}) =>
      newContext(browser, { hideJspi, routeWorker, contextOptions: { ...contextOptions, ...options } }),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

async function newContext(browser, { hideJspi, contextOptions, routeWorker }) {
  const context = await browser.newContext(contextOptions);
  if (hideJspi) {
    await context.addInitScript(() => {
      delete WebAssembly.Suspending;
      delete WebAssembly.promising;
    });
    // Init scripts do not reach workers: their script gets the same lines
    // first (the deletion runs before the worker loads Pyodide). pyrun's
    // own snapshot maker hides JSPI itself when the page has none.
    if (routeWorker) {
      await context.route("**/worker.mjs", async (route) => {
        const response = await route.fetch();
        const body = `delete WebAssembly.Suspending; delete WebAssembly.promising;\n${await response.text()}`;
        await route.fulfill({ response, body });
      });
    }
  }
  return context;
}

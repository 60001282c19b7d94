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
export async function openBrowser({ hideJspi = false, contextOptions = {} } = {}) {
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
  const context = await browser.newContext(contextOptions);
  // A page of the demo's origin with nothing on it, for tests that drive
  // loadPyrun themselves.
  await context.route("**/blank.html", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><meta charset=utf-8><title>blank</title>" }),
  );
  if (hideJspi) {
    await context.addInitScript(() => {
      delete WebAssembly.Suspending;
      delete WebAssembly.promising;
    });
    // Init scripts do not reach workers: their script gets the same lines
    // first (the deletion runs before the worker loads Pyodide).
    await context.route("**/worker.mjs", async (route) => {
      const response = await route.fetch();
      const body = `delete WebAssembly.Suspending; delete WebAssembly.promising;\n${await response.text()}`;
      await route.fulfill({ response, body });
    });
  }
  return {
    url: server.url,
    context,
    newPage: () => context.newPage(),
    async newBlankPage() {
      const page = await context.newPage();
      await page.goto(new URL("blank.html", server.url).href);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

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
export async function openBrowser({ hideJspi = false } = {}) {
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
  const context = await browser.newContext();
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
    newPage: () => context.newPage(),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

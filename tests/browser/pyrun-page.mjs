// Driving loadPyrun in a blank page of the demo's origin, as a web app
// would: the functions below run inside the page.

// Loads pyrun into the page as window.py; resolves to { ms, startup }.
export async function loadInPage(page, options = {}) {
  return page.evaluate(async (options) => {
    const t0 = performance.now();
    const { loadPyrun } = await import("/pyrun/browser/pyrun.mjs");
    window.io = { out: "", err: "", lines: [] };
    window.py = await loadPyrun({
      indexURL: "/pyodide/",
      runtimeURL: "/runtime/pyrun.abi3.so",
      stdout: (text) => (window.io.out += text),
      stderr: (text) => (window.io.err += text),
      stdin: async () => window.io.lines.shift() ?? null,
      ...options,
    });
    const { from, reason } = window.py.startup;
    return { ms: performance.now() - t0, startup: { from, reason } };
  }, options);
}

// Runs one program in the page's instance: { main, files, argv, module,
// stdin } -> { stdout, stderr, status }.
export async function runInPage(page, program) {
  return page.evaluate(async ({ main, filename, files, argv, module, stdin }) => {
    window.io.out = "";
    window.io.err = "";
    window.io.lines = [...stdin];
    const status = module
      ? await window.py.runModule(module, { files, argv })
      : await window.py.run(main, { filename, files, argv });
    return { stdout: window.io.out, stderr: window.io.err, status };
  }, program);
}

// Loads pyrun in a page of its own and waits for the start-up snapshot it
// makes in the background, so that the next pages restore it. Resolves to
// what the maker said ({ stored, reason, size }).
export async function makeSnapshot(browser) {
  const page = await browser.newBlankPage();
  try {
    await loadInPage(page);
    return await page.evaluate(async () => (await window.py.startup.made) ?? { stored: true, reason: "was there" });
  } finally {
    await page.close();
  }
}

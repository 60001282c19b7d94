// The demo page in Debian's Chromium, driven as a user would: pick an
// example, Run, type into the input line, click, Stop. The whole suite
// runs twice: as Chromium ships (with JSPI), and with JSPI hidden before
// Pyodide loads, which stands for Firefox and Safari.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { openBrowser, ROOT } from "./browser.mjs";

const ARTIFACTS = path.join(ROOT, "test-results");

const MODES = [
  { name: "Chromium as shipped", slug: "jspi", hideJspi: false },
  { name: "JSPI hidden (as Firefox and Safari)", slug: "no-jspi", hideJspi: true },
];

const outputText = (page) => page.locator("#output").textContent();
const statusText = (page) => page.locator("#status").textContent();

async function waitForStatus(page, pattern, timeout = 30_000) {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.getElementById("status").textContent),
    pattern.source,
    { timeout },
  );
  return statusText(page);
}

async function waitForOutput(page, fragment, timeout = 30_000) {
  await page.waitForFunction((f) => document.getElementById("output").textContent.includes(f), fragment, {
    timeout,
  });
}

// Run's click handler sets the status to "running" before it returns, so
// a later "exited ..." is this run's.
async function runExample(page, id) {
  await page.selectOption("#examples", id);
  await page.click("#run");
}

for (const mode of MODES) {
  describe(`demo page, ${mode.name}`, () => {
    let browser;
    let page;
    const errors = [];

    before(async () => {
      browser = await openBrowser({ hideJspi: mode.hideJspi });
      page = await browser.newPage();
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(browser.url);
      await waitForStatus(page, /^ready$/, 90_000);
    });

    after(async () => {
      await browser?.close();
    });

    test("JSPI is there, or hidden, as this run intends", async () => {
      const has = await page.evaluate(() => typeof WebAssembly.Suspending === "function");
      assert.equal(has, !mode.hideJspi);
    });

    test("countdown: output streams while it sleeps, and the clock keeps ticking", async () => {
      await runExample(page, "countdown");
      await waitForOutput(page, "5 ...");
      const clockBefore = await page.locator("#clock").textContent();
      await page.waitForTimeout(1500);
      const clockAfter = await page.locator("#clock").textContent();
      assert.notEqual(clockAfter, clockBefore, "the page clock froze while Python slept");
      assert.ok(!(await outputText(page)).includes("Liftoff"), "the countdown did not sleep");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      assert.equal(await outputText(page), "5 ...\n4 ...\n3 ...\n2 ...\n1 ...\nLiftoff!\n");
    });

    test("asyncio.run with gather", async () => {
      await runExample(page, "gather");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      assert.equal(
        await outputText(page),
        [
          "tea: started",
          "coffee: started",
          "cocoa: started",
          "cocoa: ready after 0.5 s",
          "coffee: ready after 1 s",
          "tea: ready after 1.5 s",
          "served: tea, coffee, cocoa",
          "",
        ].join("\n"),
      );
    });

    test("input() quiz answered by typing into the page", async () => {
      await runExample(page, "quiz");
      for (const answer of ["Ada", "42", "Saturn", "str"]) {
        await page.waitForFunction(() => !document.getElementById("input-line").disabled);
        await page.fill("#input-line", answer);
        await page.press("#input-line", "Enter");
      }
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      assert.equal(
        await outputText(page),
        "Your name? Ada\nWhat is 6 x 7? 42\nRight!\nWhich planet is the largest? Saturn\nNo, it is jupiter\n" +
          "What does input() return? str\nRight!\nAda, you scored 2/3\n",
      );
    });

    test("a program of several modules, and its transformed code", async () => {
      await runExample(page, "modules");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      assert.equal(
        await outputText(page),
        "weather: connecting to the station...\n" +
          "ordering 3 x tea...\nordering 1 x bread...\nCorner shop has bread: 1, tea: 3\n" +
          "Forecast: sunny in Lisbon\n",
      );
      const transformed = await page.locator("#transformed").textContent();
      assert.match(transformed, /# ==== main\.py ====/);
      assert.match(transformed, /# ==== inventory\.py ====/);
      assert.match(transformed, /async def restock\(self, item, count\):/);
      assert.match(transformed, /# inventory\.py:11 time\.sleep -> await asyncio\.sleep/);
      assert.match(transformed, /# ==== weather\.py ====/);
    });

    test("create_task + time.sleep: the task runs during the sleep", async () => {
      await runExample(page, "interleaving");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      assert.equal(
        await outputText(page),
        "main: sleeping 2 s\ntimer: started\ntimer: tick 0\ntimer: tick 1\ntimer: tick 2\nmain: slept\n",
      );
    });

    test("a program that raises shows a traceback with the user's lines", async () => {
      await runExample(page, "traceback");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 1");
      assert.equal(
        await outputText(page),
        "morning 4.0\nTraceback (most recent call last):\n" +
          '  File "/program/main.py", line 14, in <module>\n' +
          '    report({"morning": [3, 4, 5], "evening": []})\n' +
          "    ~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n" +
          '  File "/program/main.py", line 11, in report\n' +
          "    print(name, average(values))\n" +
          "                ~~~~~~~^^^^^^^^\n" +
          '  File "/program/main.py", line 6, in average\n' +
          "    return sum(values) / len(values)\n" +
          "           ~~~~~~~~~~~~^~~~~~~~~~~~~\n" +
          "ZeroDivisionError: division by zero\n",
      );
    });

    test("a button made from Python: its sync handler sleeps without freezing the page", async () => {
      await runExample(page, "button");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      await page.click("#py-area button");
      await page.waitForFunction(() => document.querySelector("#py-area span").textContent === " brewing...");
      const clockBefore = await page.locator("#clock").textContent();
      await page.waitForTimeout(1000);
      assert.notEqual(await page.locator("#clock").textContent(), clockBefore, "the page froze in the handler");
      assert.equal(await page.locator("#py-area span").textContent(), " brewing...");
      await page.waitForFunction(() => document.querySelector("#py-area span").textContent === " tea is ready");
      await waitForOutput(page, "tea served\n");
    });

    test("Stop interrupts a sleeping program with KeyboardInterrupt", async () => {
      await runExample(page, "countdown");
      await waitForOutput(page, "4 ...");
      await page.click("#stop");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 130");
      const out = await outputText(page);
      assert.ok(!out.includes("Liftoff"), out);
      assert.match(out, /File "\/program\/main\.py", line 5, in <module>\n/);
      assert.match(out, /\nKeyboardInterrupt\n$/);
    });

    test("Stop interrupts a program waiting for input()", async () => {
      await runExample(page, "quiz");
      await page.waitForFunction(() => !document.getElementById("input-line").disabled);
      await page.click("#stop");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 130");
      assert.match(await outputText(page), /\nKeyboardInterrupt\n$/);
      assert.equal(await page.locator("#input-line").isDisabled(), true);
    });

    test("output that looks like HTML is shown as text, never run", async () => {
      await page.selectOption("#examples", "countdown");
      await page.fill(
        "#code",
        'print("<script>window.hacked = 1</script>")\nprint(\'<img src=x onerror="window.hacked = 2">\')\n' +
          'import sys\nprint("<b>bold?</b>", file=sys.stderr)\n',
      );
      await page.click("#run");
      assert.equal(await waitForStatus(page, /^exited/), "exited with status 0");
      assert.equal(
        await outputText(page),
        '<script>window.hacked = 1</script>\n<img src=x onerror="window.hacked = 2">\n<b>bold?</b>\n',
      );
      assert.equal(await page.locator("#output script, #output img, #output b").count(), 0);
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.hacked), undefined);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `demo-${mode.slug}.png`), fullPage: true });
    });

    test("the same module runs a program inside a Web Worker", async () => {
      const workerPage = await browser.newPage();
      workerPage.on("pageerror", (e) => errors.push(String(e)));
      await workerPage.goto(new URL("worker.html", browser.url).href);
      assert.equal(await waitForStatus(workerPage, /^(exited|failed)/, 90_000), "exited with status 0");
      assert.equal(await workerPage.locator("#jspi").textContent(), mode.hideJspi ? "no" : "yes");
      assert.equal(
        await outputText(workerPage),
        "hello 0 from a worker\nhello 1 from a worker\nhello 2 from a worker\nname? worker\n",
      );
      await workerPage.close();
    });

    test("the page raised no errors", () => {
      assert.deepEqual(errors, []);
    });
  });
}

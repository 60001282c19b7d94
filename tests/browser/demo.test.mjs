// The demo page in Debian's Chromium, driven as a user would: pick an
// example, Run, type into the input line and the editor, click, Stop. The
// whole suite runs twice: as Chromium ships (with JSPI), and with JSPI
// hidden before Pyodide loads, which stands for Firefox and Safari.
// Screenshots go to test-results/.
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

// Replaces the open file's text, as pasting would (no auto-indent or
// bracket closing on the way).
async function pasteCode(page, text) {
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

// The editor's text as shown, line by line.
const editorText = (page) =>
  page.evaluate(() => [...document.querySelectorAll(".cm-content .cm-line")].map((l) => l.textContent).join("\n"));

async function screenshot(page, mode, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `demo-${mode.slug}-${name}.png`) });
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
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(await outputText(page), "5 ...\n4 ...\n3 ...\n2 ...\n1 ...\nLiftoff!\n");
    });

    test("asyncio.run with gather", async () => {
      await runExample(page, "gather");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
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
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(
        await outputText(page),
        "Your name? Ada\nWhat is 6 x 7? 42\nRight!\nWhich planet is the largest? Saturn\nNo, it is jupiter\n" +
          "What does input() return? str\nRight!\nAda, you scored 2/3\n",
      );
    });

    test("a program of several modules", async () => {
      await runExample(page, "modules");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(
        await outputText(page),
        "weather: connecting to the station...\n" +
          "ordering 3 x tea...\nordering 1 x bread...\nCorner shop has bread: 1, tea: 3\n" +
          "Forecast: sunny in Lisbon\n",
      );
    });

    test("getpass in the page: the input line hides what is typed, and the output never shows it", async () => {
      await pasteCode(page, 'import getpass\nsecret = getpass.getpass("Key: ")\nprint("length", len(secret))\n');
      await page.click("#run");
      await page.waitForFunction(() => !document.getElementById("input-line").disabled);
      assert.equal(await page.locator("#input-line").getAttribute("type"), "password");
      await page.fill("#input-line", "hunter2");
      await page.press("#input-line", "Enter");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(await outputText(page), "Key: \nlength 7\n");
      assert.equal(await page.locator("#input-line").getAttribute("type"), "text");
    });

    test("create_task + time.sleep: the task runs during the sleep", async () => {
      await runExample(page, "interleaving");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(
        await outputText(page),
        "main: sleeping 2 s\ntimer: started\ntimer: tick 0\ntimer: tick 1\ntimer: tick 2\nmain: slept\n",
      );
    });

    test("a program that raises shows a traceback with the user's lines", async () => {
      await runExample(page, "traceback");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 1)");
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
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0) — handlers still active");
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
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 130)");
      const out = await outputText(page);
      assert.ok(!out.includes("Liftoff"), out);
      assert.match(out, /File "\/program\/main\.py", line 5, in <module>\n/);
      assert.match(out, /\nKeyboardInterrupt\n$/);
    });

    test("Stop interrupts a program waiting for input()", async () => {
      await runExample(page, "quiz");
      await page.waitForFunction(() => !document.getElementById("input-line").disabled);
      await page.click("#stop");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 130)");
      assert.match(await outputText(page), /\nKeyboardInterrupt\n$/);
      assert.equal(await page.locator("#input-line").isDisabled(), true);
    });

    test("output that looks like HTML is shown as text, never run", async () => {
      await page.selectOption("#examples", "countdown");
      await pasteCode(
        page,
        'print("<script>window.hacked = 1</script>")\nprint(\'<img src=x onerror="window.hacked = 2">\')\n' +
          'import sys\nprint("<b>bold?</b>", file=sys.stderr)\n',
      );
      await page.click("#run");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(
        await outputText(page),
        '<script>window.hacked = 1</script>\n<img src=x onerror="window.hacked = 2">\n<b>bold?</b>\n',
      );
      assert.equal(await page.locator("#output script, #output img, #output b").count(), 0);
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.hacked), undefined);
    });

    test("the same module runs a program inside a Web Worker", async () => {
      const workerPage = await browser.newPage();
      workerPage.on("pageerror", (e) => errors.push(String(e)));
      await workerPage.goto(new URL("worker.html", browser.url).href);
      assert.equal(await waitForStatus(workerPage, /^(exited|failed)/, 90_000), "exited (status 0)");
      assert.equal(await workerPage.locator("#jspi").textContent(), mode.hideJspi ? "no" : "yes");
      assert.equal(
        await outputText(workerPage),
        "hello 0 from a worker\nhello 1 from a worker\nhello 2 from a worker\nname? worker\n",
      );
      await workerPage.close();
    });


    test("the editor: line numbers, Python highlighting, indentation on Enter", async () => {
      await page.selectOption("#examples", "countdown");
      const numbers = await page.evaluate(() =>
        [...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")]
          .filter((e) => getComputedStyle(e).visibility !== "hidden")
          .map((e) => e.textContent),
      );
      assert.deepEqual(numbers, ["1", "2", "3", "4", "5", "6", "7"]);
      // "for" and "import" are keywords: coloured unlike plain names
      const colours = await page.evaluate(() => {
        const spans = [...document.querySelectorAll(".cm-line span")];
        const colour = (text) => getComputedStyle(spans.find((s) => s.textContent === text)).color;
        return { keyword: colour("for"), other: getComputedStyle(document.querySelector(".cm-line")).color, string: colour('"..."') };
      });
      assert.notEqual(colours.keyword, colours.other);
      assert.notEqual(colours.string, colours.other);
      await pasteCode(page, "");
      await page.keyboard.type("def greet(name):");
      await page.keyboard.press("Enter");
      await page.keyboard.type('print("hi", name)');
      await page.keyboard.press("Enter");
      await page.keyboard.press("Backspace");
      await page.keyboard.type('greet("Ada")');
      assert.equal(await editorText(page), 'def greet(name):\n    print("hi", name)\ngreet("Ada")');
      await page.click("#run");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(await outputText(page), "hi Ada\n");
    });

    test("a traceback's lines are links: a click shows that line of that file, highlighted", async () => {
      await runExample(page, "traceback");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 1)");
      const links = page.locator("#output .tb-link");
      assert.deepEqual(await links.allTextContents(), [
        'File "/program/main.py", line 14',
        'File "/program/main.py", line 11',
        'File "/program/main.py", line 6',
      ]);
      await links.nth(2).click();
      const jumped = page.locator(".cm-jumped-line");
      assert.equal(await jumped.count(), 1);
      assert.equal(await jumped.textContent(), "    return sum(values) / len(values)");
      await screenshot(page, mode, "traceback-jump");
      // into another file: its tab opens
      await page.fill("#new-file-name", "stats");
      await page.click("#new-file button");
      assert.equal(await page.locator('#tabs [aria-selected="true"]').textContent(), "stats.py");
      await pasteCode(page, "import time\n\n\ndef mean(xs):\n    time.sleep(0.1)\n    return sum(xs) / len(xs)\n");
      await page.click('#tabs button:text-is("main.py")');
      await pasteCode(page, "from stats import mean\n\nprint(mean([]))\n");
      await page.click("#run");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 1)");
      await page.locator('#output .tb-link:text-is("File \\"/program/stats.py\\", line 6")').click();
      assert.equal(await page.locator('#tabs [aria-selected="true"]').textContent(), "stats.py");
      assert.equal(await page.locator(".cm-jumped-line").textContent(), "    return sum(xs) / len(xs)");
    });

    test("what pyrun rewrote: the user's own source, each rewritten line marked with its reason", async () => {
      await runExample(page, "modules");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      const view = page.locator("#rewritten");
      assert.deepEqual(await view.locator("h3").allTextContents(), [
        "main.py 4 lines rewritten",
        "inventory.py 2 lines rewritten",
        "weather.py 3 lines rewritten",
      ]);
      // the user's lines, comments and spacing included, not an unparsed dump
      const inventory = view.locator("table").nth(1);
      const marked = inventory.locator("tr.changed");
      assert.deepEqual(await marked.locator("td.src").allTextContents(), [
        "    def restock(self, item, count):",
        "        time.sleep(0.5)  # a delivery takes time",
      ]);
      const reasons = await inventory.locator("tr.why-row").allTextContents();
      assert.equal(reasons.length, 2);
      assert.match(reasons[0], /restock becomes async def: it reaches time\.sleep \(line 11\)/);
      assert.match(reasons[1], /time\.sleep becomes await asyncio\.sleep/);
      assert.equal(await inventory.locator("tr:not(.why-row)").count(), 17, "every line of the file is shown");
      await marked.nth(1).click();
      assert.equal(await page.locator('#tabs [aria-selected="true"]').textContent(), "inventory.py");
      assert.equal(await page.locator(".cm-jumped-line").textContent(), "        time.sleep(0.5)  # a delivery takes time");
      await screenshot(page, mode, "rewritten");
      // pyrun's helper names are plain words, explained on hover
      await page.click('#tabs button:text-is("main.py")');
      await pasteCode(page, "import time\n\ndef slow_key(x):\n    time.sleep(0.01)\n    return -x\n\nitems = [1, 3, 2]\nitems.sort(key=slow_key)\nprint(items)\n");
      await page.click("#run");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(await outputText(page), "[3, 2, 1]\n");
      assert.ok(!(await view.textContent()).includes("__pyrun__"), await view.textContent());
      const helper = view.locator("abbr", { hasText: "pyrun's sort" });
      assert.match(await helper.getAttribute("title"), /list\.sort with a key function that waits/);
    });

    test("the status line: running, waiting for input, exited, handlers still active", async () => {
      await runExample(page, "quiz");
      assert.equal(await waitForStatus(page, /^waiting for input$/), "waiting for input");
      await page.fill("#input-line", "Ada");
      await page.press("#input-line", "Enter");
      await waitForOutput(page, "What is 6 x 7? ");
      assert.equal(await waitForStatus(page, /^waiting for input$/), "waiting for input");
      assert.equal(await outputText(page), "Your name? Ada\nWhat is 6 x 7? ");
      await screenshot(page, mode, "waiting-for-input");
      await page.click("#stop");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 130)");
      await runExample(page, "countdown");
      assert.equal(await statusText(page), "running");
      await waitForOutput(page, "5 ...");
      assert.equal(await statusText(page), "running");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      await runExample(page, "stopwatch");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0) — handlers still active");
      await page.click('#py-area button:text-is("Start")');
      await page.waitForFunction(() => parseFloat(document.querySelector("#py-area strong").textContent) >= 0.5);
      await page.click('#py-area button:text-is("Stop")');
      await waitForOutput(page, "stopped at");
      await screenshot(page, mode, "handlers-active");
      assert.equal(await statusText(page), "exited (status 0) — handlers still active");
      // the next run ends them
      await runExample(page, "countdown");
      assert.equal(await page.locator("#py-area button").count(), 0);
      await page.click("#stop");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 130)");
    });

    test("the new examples run", async () => {
      await runExample(page, "deep");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(
        await outputText(page),
        "morning: start\n  heating... 1/3\n  heating... 2/3\n  heating... 3/3\nmorning: tea from 1.5 l boiled\n",
      );
      await runExample(page, "generator");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(await outputText(page), "reading 20.0\nreading 20.5\nreading 21.0\naverage 20.75\n");
      // threads as tasks on the page's one thread, as CPython prints it
      await runExample(page, "threads");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(
        await outputText(page),
        "worker-1 finished job 1\nworker-1 finished job 2\nworker-0 finished job 4\ndone in order of finishing: [1, 2, 4]\n",
      );
      // urllib through the page's fetch, of a file the demo server serves
      await runExample(page, "fetch");
      assert.equal(await waitForStatus(page, /^exited/), "exited (status 0)");
      assert.equal(await outputText(page), "200 OK image/svg+xml\nstarts with b'<svg'\n");
    });

    test("layout at 1280x800: editor, output and input line in view, tabs with Add file, long lines scroll", async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      try {
        await runExample(page, "countdown");
        await page.click("#stop");
        await waitForStatus(page, /^exited/);
        const boxes = await page.evaluate(() =>
          Object.fromEntries(
            ["#editor .cm-editor", "#output", "#input-line", "#run", "#rewritten"].map((q) => {
              const r = document.querySelector(q).getBoundingClientRect();
              return [q, { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height }];
            }),
          ),
        );
        for (const [what, box] of Object.entries(boxes)) {
          assert.ok(box.top >= 0 && box.bottom <= 800 && box.left >= 0 && box.right <= 1280, `${what} ${JSON.stringify(box)}`);
        }
        assert.ok(boxes["#editor .cm-editor"].height > 500, "the editor takes the height");
        assert.ok(boxes["#output"].height > 150, "the output has room");
        assert.ok(await page.evaluate(() => document.documentElement.scrollHeight <= innerHeight), "the page scrolls");
        assert.equal(await page.locator(".tabbar #new-file").count(), 1, "Add file is in the tab bar");
        const long = `print("${"x".repeat(280)}")`;
        await pasteCode(page, `${long}\n`);
        const editorLine = await page.evaluate(() => {
          const scroller = document.querySelector(".cm-scroller");
          const line = document.querySelector(".cm-line");
          return { scrolls: scroller.scrollWidth > scroller.clientWidth, lineHeight: line.getBoundingClientRect().height };
        });
        assert.ok(editorLine.scrolls && editorLine.lineHeight < 30, JSON.stringify(editorLine));
        await page.click("#run");
        await waitForStatus(page, /^exited/);
        const output = await page.evaluate(() => {
          const out = document.getElementById("output");
          return { scrolls: out.scrollWidth > out.clientWidth, text: out.textContent.length };
        });
        assert.deepEqual(output, { scrolls: true, text: 281 });
        await screenshot(page, mode, "layout-1280x800");
      } finally {
        await page.setViewportSize({ width: 1280, height: 720 });
      }
    });

    test("the page has a favicon", async () => {
      const href = await page.locator('link[rel="icon"]').getAttribute("href");
      const response = await page.request.get(new URL(href, browser.url).href);
      assert.equal(response.status(), 200);
      assert.match(response.headers()["content-type"], /^image\/svg\+xml/);
      assert.match(await response.text(), /^<svg /);
    });

    test("the page raised no errors", () => {
      assert.deepEqual(errors, []);
    });
  });
}

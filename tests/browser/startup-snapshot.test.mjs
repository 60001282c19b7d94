// The start-up snapshot in the browser: made in the background after a
// cold first visit, restored on return visits; a corrupt, stale or refused
// one means a cold start and a new one; a prebuilt one (npm run build)
// serves a first visit, in the visitor's own time zone and language.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { openBrowser } from "./browser.mjs";
import { loadInPage, makeSnapshot, runInPage } from "./pyrun-page.mjs";

// What a program sees of its start: the same after a cold start and after
// any snapshot.
const LOOK = {
  filename: "main.py",
  main: `import os, sys, time, random
time.sleep(0.05)
print(sys.argv, sys.path[0], os.getcwd(), sorted(m for m in sys.modules if m.startswith("pyrun")))
print(time.tzname, time.timezone, time.altzone, time.daylight, time.strftime("%Z", time.localtime(0)))
print(os.environ["LANG"], os.environ["HOME"], sys.executable, sys.flags.inspect)
print(input("name? "))
`,
  files: {},
  argv: [],
  stdin: ["Ada"],
};

// Rewrites the snapshot kept in this page's origin: `how` runs in the page
// with (bytes, snapshot-file module) and returns the new bytes.
async function tamper(page, how) {
  return page.evaluate(async (how) => {
    const store = await import("/pyrun/browser/snapshot-store.mjs");
    const file = await import("/pyrun/browser/snapshot-file.mjs");
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open("pyrun", 1);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const slots = await new Promise((resolve) => {
      const req = db.transaction("startup-snapshots").objectStore("startup-snapshots").getAllKeys();
      req.onsuccess = () => resolve(req.result);
    });
    if (slots.length !== 1) throw new Error(`expected one snapshot, found ${slots.length}`);
    const bytes = await store.readStored(slots[0]);
    // eslint-disable-next-line no-new-func
    const changed = new Function("bytes", "file", `return (${how})(bytes, file)`)(bytes, file);
    await store.writeStored(slots[0], changed);
    return slots[0];
  }, how.toString());
}

const TAMPERINGS = [
  ["corrupt (a byte changed)", (bytes) => ((bytes[bytes.length - 100] ^= 0xff), bytes), /it is corrupt/],
  ["corrupt (cut short)", (bytes) => bytes.subarray(0, bytes.length - 4096), /it is corrupt/],
  ["not a snapshot at all", () => new TextEncoder().encode("hello"), /it is corrupt/],
  [
    "stale (made for another runtime)",
    (bytes, file) => {
      const header = file.readHeader(bytes);
      const restored = file.decodeSnapshot(bytes, header.key).bytes;
      return file.encodeSnapshot({ ...header.key, runtime: "0000000000000000" }, restored);
    },
    /it is stale/,
  ],
  [
    "whole and current, but not memory Pyodide can restore",
    (bytes, file) => {
      const header = file.readHeader(bytes);
      return file.encodeSnapshot(header.key, new Uint8Array(header.size).fill(7));
    },
    /it could not be restored \(Snapshot has invalid magic number\)/,
  ],
];

const MODES = [
  { name: "JSPI hidden (as Firefox and Safari)", hideJspi: true },
  { name: "Chromium as shipped", hideJspi: false },
];

for (const mode of MODES) {
  describe(`start-up snapshot, ${mode.name}`, () => {
    let browser;
    let coldLook;

    before(async () => {
      browser = await openBrowser({ hideJspi: mode.hideJspi, contextOptions: { timezoneId: "Asia/Kolkata", locale: "pt-BR" } });
    });
    after(async () => {
      await browser?.close();
    });

    test("a first visit starts cold and makes the snapshot in the background", async () => {
      const page = await browser.newBlankPage();
      try {
        const { startup } = await loadInPage(page);
        assert.deepEqual(startup, { from: "cold", reason: "there is none yet" });
        coldLook = await runInPage(page, LOOK);
        assert.equal(coldLook.status, 0, coldLook.stderr);
        assert.match(coldLook.stdout, /'UTC\+0530'.*-19800.*\npt_BR\.UTF-8 /);
        const made = await page.evaluate(() => window.py.startup.made);
        assert.equal(made.stored, true, made.reason);
        assert.ok(made.size > 1e6 && made.size < 64e6, `size ${made.size}`);
      } finally {
        await page.close();
      }
    });

    test("a return visit restores it, and the program sees what it sees after a cold start", async () => {
      const page = await browser.newBlankPage();
      try {
        assert.deepEqual((await loadInPage(page)).startup, { from: "snapshot", reason: undefined });
        assert.deepEqual(await runInPage(page, LOOK), coldLook);
      } finally {
        await page.close();
      }
    });

    for (const [what, how, reason] of TAMPERINGS) {
      test(`a snapshot that is ${what} means a cold start, then a new snapshot`, async () => {
        const page = await browser.newBlankPage();
        try {
          await tamper(page, how);
          const { startup } = await loadInPage(page);
          assert.equal(startup.from, "cold");
          assert.match(startup.reason, reason);
          assert.deepEqual(await runInPage(page, LOOK), coldLook);
          assert.equal((await page.evaluate(() => window.py.startup.made)).stored, true);
        } finally {
          await page.close();
        }
        const next = await browser.newBlankPage();
        try {
          assert.deepEqual((await loadInPage(next)).startup, { from: "snapshot", reason: undefined });
        } finally {
          await next.close();
        }
      });
    }

    test("with startupSnapshot: false nothing is kept or restored", async () => {
      const page = await browser.newBlankPage();
      try {
        const { startup } = await loadInPage(page, { startupSnapshot: false });
        assert.deepEqual(startup, { from: "cold", reason: "start-up snapshots are off" });
        assert.equal(await page.evaluate(() => window.py.startup.made), null);
      } finally {
        await page.close();
      }
    });
  });

  describe(`prebuilt start-up snapshot (npm run build), ${mode.name}`, () => {
    for (const timezoneId of ["America/New_York", "Australia/Sydney"]) {
      test(`a first visit in ${timezoneId} restores it, with its own time zone and language`, async () => {
        const browser = await openBrowser({ hideJspi: mode.hideJspi, contextOptions: { timezoneId, locale: "fr-FR" } });
        try {
          const cold = await browser.newBlankPage();
          await loadInPage(cold, { startupSnapshot: false });
          const expected = await runInPage(cold, LOOK);
          await cold.close();
          const page = await browser.newBlankPage();
          const { startup } = await loadInPage(page, { prebuiltSnapshots: "/snapshot/" });
          assert.deepEqual(startup, { from: "prebuilt", reason: "there is none yet" });
          assert.deepEqual(await runInPage(page, LOOK), expected);
          assert.match(expected.stdout, /\nfr_FR\.UTF-8 /);
          // the browser then keeps its own
          assert.equal((await page.evaluate(() => window.py.startup.made)).stored, true);
          await page.close();
          const next = await browser.newBlankPage();
          assert.equal((await loadInPage(next, { prebuiltSnapshots: "/snapshot/" })).startup.from, "snapshot");
        } finally {
          await browser.close();
        }
      });
    }

    test("a prebuilt snapshot that is corrupt, stale or missing means a cold start", async () => {
      const browser = await openBrowser({ hideJspi: mode.hideJspi });
      try {
        await browser.context.route("**/bad-snapshots/*", async (route) => {
          const url = new URL(route.request().url());
          const real = await route.fetch({ url: url.href.replace("/bad-snapshots/", "/snapshot/") });
          const bytes = await real.body();
          bytes[bytes.length - 10] ^= 0xff;
          await route.fulfill({ response: real, body: bytes });
        });
        for (const [where, reason] of [
          ["/bad-snapshots/", /it is corrupt/],
          ["/no-such-dir/", /HTTP 404/],
        ]) {
          const page = await browser.newBlankPage();
          const { startup } = await loadInPage(page, { prebuiltSnapshots: where, startupSnapshot: false });
          assert.equal(startup.from, "cold");
          assert.match(startup.reason, reason);
          assert.equal((await runInPage(page, LOOK)).status, 0);
          await page.close();
        }
        // stale: made for another page's Pyodide options
        const page = await browser.newBlankPage();
        const { startup } = await loadInPage(page, {
          prebuiltSnapshots: "/snapshot/",
          startupSnapshot: false,
          pyodideOptions: { env: { PYTHONSAFEPATH: "1" } },
        });
        assert.equal(startup.from, "cold");
        assert.match(startup.reason, /it is stale/);
        await page.close();
      } finally {
        await browser.close();
      }
    });
  });
}

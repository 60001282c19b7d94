// One loadPyrun instance, as a playground uses it, runs program after
// program: every program of tests/cases and tests/programs, in sequence
// and in a shuffled order, must print exactly what it prints alone in a
// fresh instance (and, JSPI hidden, what CPython prints for it).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { essentials, listCases } from "../cases/case-format.mjs";
import { listPrograms } from "../programs/program-format.mjs";
import { openBrowser } from "./browser.mjs";
import { loadInPage, makeSnapshot, runInPage } from "./pyrun-page.mjs";

function filesUnder(dir, prefix = "") {
  const files = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) Object.assign(files, filesUnder(path.join(dir, entry.name), `${rel}/`));
    else if (entry.name.endsWith(".py")) files[rel] = fs.readFileSync(path.join(dir, entry.name), "utf8");
  }
  return files;
}

// Each program as loadPyrun runs it, with what CPython prints for it.
function allPrograms() {
  const cases = listCases().map((c) => ({
    name: `case ${c.name}`,
    filename: `${c.name}.py`,
    main: c.source,
    files: {},
    argv: [],
    stdin: c.stdin ? c.stdin.split("\n").slice(0, -1) : [],
    place: "<cases>",
    expected: { plain: c.expected, jspi: c.expectedJspi },
  }));
  const programs = listPrograms().map((p) => {
    const files = filesUnder(p.dir);
    const [first, ...rest] = p.args;
    const common = { name: `program ${p.name}`, stdin: [], place: "<program>", expected: { plain: p.expected, jspi: p.expected } };
    if (first === "-m") return { ...common, module: rest[0], files, argv: rest.slice(1) };
    const { [first]: main, ...others } = files;
    return { ...common, filename: first, main, files: others, argv: rest };
  });
  return [...cases, ...programs];
}

const describeRun = ({ stdout, stderr, status }) =>
  `${stdout}${stderr ? `--- stderr ---\n${stderr}` : ""}${status ? `--- status ${status} ---\n` : ""}`;

// A fixed order unless PYRUN_SHUFFLE_SEED says otherwise, so that a
// failure can be replayed.
function shuffled(items, seed) {
  const out = [...items];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// Programs that each leave one kind of state behind, and a probe that
// looks at all of them: after any of them, the probe prints what it
// prints in a fresh instance.
const PROBE = {
  name: "probe",
  filename: "main.py",
  main: `import builtins, os, sys, random, warnings, time, __main__
print(sys.argv, os.getcwd(), sorted(os.listdir(".")))
print("X" in globals(), hasattr(__main__, "X"), hasattr(builtins, "leaked"))
print(os.environ.get("PYRUN_LEAK"), "/tmp/leak" in sys.path, sys.getrecursionlimit(), sys.gettrace())
print(os.path.exists("/tmp/leak.txt"), os.path.exists("/home/pyodide/leak.txt"), os.path.exists("/leak"))
print(random.random() != 0.13436424411240122)
try:
    import helper
    print("helper", helper.VALUE)
except ImportError as e:
    print(type(e).__name__, e)
print(sorted(m for m in sys.modules if m.startswith("leak")))
warnings.warn("probe warning")
time.sleep(0.6)  # a late callback or handler of the last program would print meanwhile
print(input("name? "))
raise ValueError("probe")
`,
  files: {},
  argv: ["one"],
  stdin: ["probe-input"],
};

const LEAKS = [
  ["reads to the end of its input", "import sys\nprint(sys.stdin.read())\n", { stdin: ["a", "b"] }],
  ["reads less than it was given", "import sys\nprint(sys.stdin.read(1))\n", { stdin: ["abc"] }],
  ["imports a module of its own", "import helper\nprint(helper.VALUE)\n", { files: { "helper.py": "VALUE = 'leaked'\n" } }],
  ["puts a module into sys.modules", "import sys, types\nsys.modules['leakmod'] = types.ModuleType('leakmod')\n"],
  [
    "writes files",
    "open('leak.txt', 'w').write('x')\nopen('/tmp/leak.txt', 'w').write('x')\n" +
      "open('/home/pyodide/leak.txt', 'w').write('x')\nimport os\nos.makedirs('/leak/deep')\n",
  ],
  ["changes warnings filters", "import warnings\nwarnings.simplefilter('ignore')\n"],
  ["warns once at the probe's line", "import warnings\n\n\n\n\n\n\n\n\n\n\n\nwarnings.warn('probe warning')\n"],
  ["prints a traceback (linecache)", "x = 1\n\n\n\n\n\n\n\n\n\n\n\n1 / 0  # cached line\n"],
  [
    "leaves callbacks and handlers",
    "import asyncio, js\nfrom pyodide.ffi import create_proxy\n" +
      "js.setTimeout(create_proxy(lambda *a: print('late handler ran')), 300)\n" +
      "asyncio.get_running_loop().call_later(0.3, print, 'late callback ran')\n",
  ],
  ["leaves an unawaited coroutine", "async def f():\n    pass\n\nc = f()\n"],
  ["changes sys.argv, cwd and sys.path", "import os, sys\nsys.argv.append('x')\nos.chdir('/tmp')\nsys.path.append('/tmp/leak')\n"],
  ["leaves globals in __main__", "X = 1\n"],
  ["changes builtins", "import builtins\nbuiltins.leaked = 1\nbuiltins.print = lambda *a, **k: None\n"],
  ["sets an environment variable", "import os\nos.environ['PYRUN_LEAK'] = '1'\n"],
  [
    "monkeypatches modules of start-up",
    "import os, time, random\ntime.sleep = lambda s: print('fake sleep')\nos.getcwd = lambda: '/patched'\n" +
      "random.leaked_name = 1\ndel random.random\n",
  ],
  ["replaces stdout and the excepthook", "import io, sys\nsys.stdout = io.StringIO()\nsys.excepthook = lambda *a: None\n"],
  ["closes stdout", "import sys\nsys.stdout.close()\n"],
  ["seeds random", "import random\nrandom.seed(1)\n"],
  ["registers an atexit handler", "import atexit\natexit.register(print, 'bye')\n"],
  ["sets a recursion limit and a trace function", "import sys\nsys.setrecursionlimit(77)\nsys.settrace(lambda *a: None)\n"],
];

const SEED = Number(process.env.PYRUN_SHUFFLE_SEED ?? 20261201);

const MODES = [
  { name: "JSPI hidden (as Firefox and Safari)", hideJspi: true, expected: "plain" },
  { name: "Chromium as shipped", hideJspi: false, expected: "jspi" },
];

for (const mode of MODES) {
  describe(`one instance, many programs, ${mode.name}`, () => {
    const programs = allPrograms();
    const alone = new Map();
    let browser;

    before(async () => {
      browser = await openBrowser({ hideJspi: mode.hideJspi });
      // fresh instances start from the snapshot, as on a return visit
      assert.equal((await makeSnapshot(browser)).stored, true);
    });
    after(async () => {
      await browser?.close();
    });

    test("each program alone, in a fresh instance, prints what CPython prints", async (t) => {
      for (const program of programs) {
        const page = await browser.newBlankPage();
        try {
          await loadInPage(page);
          alone.set(program.name, describeRun(await runInPage(page, program)));
        } finally {
          await page.close();
        }
        await t.test(program.name, () => {
          const got = alone.get(program.name).split("/program/").join(`${program.place}/`);
          assert.equal(essentials(got), essentials(program.expected[mode.expected]));
        });
      }
    });

    test("after a program that leaves state behind, the next sees none of it", async (t) => {
      const page = await browser.newBlankPage();
      let probeAlone;
      try {
        await loadInPage(page);
        probeAlone = describeRun(await runInPage(page, PROBE));
      } finally {
        await page.close();
      }
      assert.match(probeAlone, /^\['main\.py', 'one'\] \/program \['main\.py'\]\nFalse False False\nNone False /);
      assert.match(probeAlone, /UserWarning: probe warning\n  warnings\.warn\("probe warning"\)\n/);
      const shared = await browser.newBlankPage();
      try {
        await loadInPage(shared);
        for (const [what, main, extra = {}] of LEAKS) {
          await runInPage(shared, { filename: "main.py", main, files: {}, argv: [], stdin: [], ...extra });
          const got = describeRun(await runInPage(shared, PROBE));
          await t.test(`a program that ${what}`, () => assert.equal(got, probeAlone));
        }
      } finally {
        await shared.close();
      }
    });

    test("handlers a program leaves are counted, then removed by the next run", async () => {
      const page = await browser.newBlankPage();
      try {
        await loadInPage(page);
        const leak = LEAKS.find(([what]) => what === "leaves callbacks and handlers")[1];
        await runInPage(page, { filename: "main.py", main: leak, files: {}, argv: [], stdin: [] });
        assert.equal(await page.evaluate(() => window.py.handlers()), 1);
        await page.waitForFunction(() => window.io.out.includes("late handler ran"));
        assert.equal(await page.evaluate(() => window.py.handlers()), 1, "a handler that ran stays active");
        await runInPage(page, { filename: "main.py", main: "print('next')\n", files: {}, argv: [], stdin: [] });
        assert.equal(await page.evaluate(() => window.py.handlers()), 0);
      } finally {
        await page.close();
      }
    });

    for (const [order, list] of [
      ["in sequence", programs],
      [`shuffled (seed ${SEED})`, shuffled(programs, SEED)],
    ]) {
      test(`all of them in one instance, ${order}, print what each prints alone`, async (t) => {
        assert.equal(alone.size, programs.length, "the programs did not all run alone");
        const page = await browser.newBlankPage();
        try {
          await loadInPage(page);
          for (const program of list) {
            const got = describeRun(await runInPage(page, program));
            await t.test(program.name, () => assert.equal(got, alone.get(program.name)));
          }
        } finally {
          await page.close();
        }
      });
    }
  });
}

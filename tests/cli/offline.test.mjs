// Pyodide comes from the npm package: nothing is fetched at run time.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

test("pyrun runs with every network API of Node disabled", async () => {
  // Preloaded into the pyrun process: any attempt to reach the network throws.
  const dir = scratch({
    "no-network.cjs": `
const fail = (what) => () => { throw new Error("network used: " + what); };
globalThis.fetch = fail("fetch");
for (const mod of ["http", "https", "net", "tls", "dns"]) {
  const m = require(mod);
  for (const k of ["request", "get", "connect", "createConnection", "lookup"]) if (typeof m[k] === "function") m[k] = fail(mod + "." + k);
}
`,
    "main.py": "import json, asyncio, decimal, email.parser, xml.dom.minidom\nprint('stdlib ok')\n",
  });
  const r = await pyrun(["main.py"], { cwd: dir, env: { NODE_OPTIONS: `--require ${dir}/no-network.cjs` } });
  assert.equal(text(r.stderr), "");
  assert.equal(text(r.stdout), "stdlib ok\n");
});

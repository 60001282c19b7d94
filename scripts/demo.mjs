// `npm run demo`: builds what is missing or stale, then serves the demo
// page on localhost and prints its URL. PORT picks the port (default 8000).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { startDemoServer } from "../demo/server.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const built = spawnSync(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
if (built.status !== 0) {
  console.error("demo: the build failed; run `npm run setup` first");
  process.exit(built.status ?? 1);
}
const { url } = await startDemoServer({ port: Number(process.env.PORT ?? 8000) });
console.log(`pyrun demo: ${url}  (Ctrl-C stops the server)`);

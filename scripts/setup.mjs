// `npm run setup`: installs whatever is missing, then builds. Safe to re-run;
// with nothing changed it only checks, which takes seconds.
//   1. Debian packages (apt-get, as root; otherwise it names what is missing)
//   2. npm ci, when package-lock.json changed since the last install
//   3. the CMake builds of the runtime (wasm for Pyodide, native for tests)
//   4. the start-up snapshot in the user's cache (loader/node/startup-snapshot.mjs)
//   5. the `pyrun` command: for `npx pyrun` in the clone, and on PATH
//      through npm's global prefix (scripts/command-links.mjs)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ensureStartupSnapshot } from "../loader/node/make-startup-snapshot.mjs";
import { build } from "./build.mjs";
import { globalPrefix, linkGlobalCommand, linkLocalCommand } from "./command-links.mjs";
import { DEBIAN_PACKAGES } from "./debian-packages.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (r.status !== 0) {
    process.stderr.write(`setup: \`${cmd} ${args.join(" ")}\` failed\n`);
    process.exit(r.status || 1);
  }
}

function missingDebianPackages() {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Package} ${db:Status-Abbrev}\n", ...DEBIAN_PACKAGES], {
    encoding: "utf8",
  });
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((line) => / ii/.test(line))
      .map((line) => line.split(" ")[0].split(":")[0]),
  );
  return DEBIAN_PACKAGES.filter((p) => !installed.has(p));
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `setup: missing Debian packages: ${missing.join(" ")}\n` +
        `setup: install them as root: apt-get install -y ${missing.join(" ")}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`setup: installing Debian packages: ${missing.join(" ")}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-q"], { env });
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { env });
}

function ensureNodeModules() {
  const lock = fs.readFileSync(path.join(ROOT, "package-lock.json"));
  const digest = createHash("sha256").update(lock).digest("hex");
  const stamp = path.join(ROOT, "node_modules/.pyrun-lock-sha256");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === digest) return;
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  fs.writeFileSync(stamp, digest);
}

ensureDebianPackages();
ensureNodeModules();
build();
const snapshot = await ensureStartupSnapshot();
if (snapshot.outcome === "made") process.stderr.write(`setup: made the start-up snapshot ${snapshot.file}\n`);
linkLocalCommand();
const command = linkGlobalCommand(globalPrefix());
if (command.outcome === "linked") process.stderr.write(`setup: linked the pyrun command: ${command.bin}\n`);
if (command.outcome === "not permitted") {
  process.stderr.write(`setup: to have the pyrun command on your PATH, run in ${ROOT}: ${command.command}\n`);
}

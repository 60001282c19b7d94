// The `pyrun` command for a clone, made by `npm run setup`:
//  - node_modules/.bin/pyrun, which `npx pyrun` runs inside the clone
//    (npm ci links only the dependencies' commands, and .npmrc turns even
//    those off);
//  - pyrun in npm's global prefix, as `npm link` makes it, so that `pyrun`
//    is a command on PATH from any directory. Done when the prefix is
//    writable (as root); otherwise the one command to run is returned.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = path.join(ROOT, "loader/node/pyrun.mjs");
export const LINK_COMMAND = "sudo npm link --bin-links";

function pointsAtEntry(file) {
  try {
    return fs.realpathSync(file) === fs.realpathSync(ENTRY);
  } catch {
    return false;
  }
}

// Returns true when it made the link, false when it was already there.
export function linkLocalCommand() {
  const link = path.join(ROOT, "node_modules/.bin/pyrun");
  if (pointsAtEntry(link)) return false;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(path.dirname(link), ENTRY), link);
  return true;
}

function writable(dir) {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

// npm's global prefix: the one npm passes to the scripts it runs, or asks.
export function globalPrefix(env = process.env) {
  if (env.npm_config_global_prefix) return env.npm_config_global_prefix;
  const r = spawnSync("npm", ["prefix", "-g"], { encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`\`npm prefix -g\` failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

// { outcome: "ready" | "linked" | "not permitted", bin, command? }.
// `env` is the environment npm runs in (npm_config_prefix chooses the
// prefix, as for `npm link` itself).
export function linkGlobalCommand(prefix, env = process.env) {
  const bin = path.join(prefix, "bin", "pyrun");
  if (pointsAtEntry(bin)) return { outcome: "ready", bin };
  const dirs = [prefix, path.join(prefix, "bin"), path.join(prefix, "lib", "node_modules")];
  const nearest = (dir) => (fs.existsSync(dir) ? dir : nearest(path.dirname(dir)));
  if (!dirs.every((dir) => writable(nearest(dir)))) return { outcome: "not permitted", bin, command: LINK_COMMAND };
  // --bin-links: the project's .npmrc turns bin links off for the
  // dependencies, and npm link would obey it.
  const r = spawnSync("npm", ["link", "--bin-links", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...env, npm_config_prefix: prefix },
  });
  if (r.status !== 0 || !pointsAtEntry(bin)) {
    throw new Error(`\`npm link\` did not link ${bin}: ${(r.stderr || r.stdout).trim()}`);
  }
  return { outcome: "linked", bin };
}

// The host's files at their real absolute paths inside Pyodide: each
// top-level host directory is mounted over NODEFS, except those Pyodide
// itself lives in (its stdlib is under /lib, its devices under /dev and
// /proc). Mounts are lazy, so this costs nothing until a file is touched.
import fs from "node:fs";

const PYODIDE_OWN = new Set(["dev", "lib", "proc", "sys"]);

function hostTopDirectories() {
  return fs.readdirSync("/", { withFileTypes: true }).flatMap((entry) => {
    if (PYODIDE_OWN.has(entry.name)) return [];
    try {
      // Follows symlinks such as /bin -> usr/bin.
      return fs.statSync(`/${entry.name}`).isDirectory() ? [`/${entry.name}`] : [];
    } catch {
      return [];
    }
  });
}

// Directories under a skipped top-level directory that must still be seen
// (the script's own directory, the working directory).
function coveringMounts(mounts, needed) {
  const extra = [];
  for (const dir of needed) {
    const top = `/${dir.split("/")[1]}`;
    if (top !== "/" && !mounts.includes(top)) extra.push(dir);
  }
  return extra;
}

export function mountHostFileSystem(FS, { cwd, alsoNeeded = [] }) {
  const mounts = hostTopDirectories();
  for (const dir of [...mounts, ...coveringMounts(mounts, [cwd, ...alsoNeeded])]) {
    FS.mkdirTree(dir);
    FS.mount(FS.filesystems.NODEFS, { root: dir }, dir);
  }
  FS.chdir(cwd);
}

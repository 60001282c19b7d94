// The host's files at their real absolute paths inside Pyodide: each
// top-level host directory is mounted over NODEFS, except those Pyodide
// itself lives in (its stdlib is under /lib, its devices under /dev and
// /proc). Mounts are lazy, so this costs nothing until a file is touched.
//
// Two things Emscripten's NODEFS gets wrong for a command line are mended
// here, so that pyrun answers as CPython does on the same file:
//  - permissions: Emscripten judges them by the mode bits alone (a file
//    without read bits is unreadable even for root, another user's 0600
//    file looks readable); the host's own access(2) decides instead.
//  - FIFOs (named pipes) are refused (EINVAL); they are read as the stream
//    they are, without seeking.
import fs from "node:fs";

const PYODIDE_OWN = new Set(["dev", "lib", "proc", "sys"]);
// Pyodide's /dev and /proc describe the wasm process: host directories are
// never mounted into them.
const DEVICES = new Set(["dev", "proc"]);

// Emscripten's errno numbers (WASI's, the same in every Pyodide since 0.25).
const EMSCRIPTEN_EACCES = 2;
const EMSCRIPTEN_ESPIPE = 70;
const EMSCRIPTEN_O_NONBLOCK = 0o4000;

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

function hostIsDirectory(dir) {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function pyodideHas(FS, file) {
  try {
    FS.lookupPath(file);
    return true;
  } catch {
    return false;
  }
}

// Directories under a skipped top-level directory that must still be seen
// (the script's own directory, the working directory). One that does not
// exist on the host, or that Pyodide has a directory of its own at, is
// left alone: Python then reports the path as CPython would.
function coveringMounts(FS, mounts, needed) {
  const extra = [];
  for (const dir of needed) {
    const top = `/${dir.split("/")[1]}`;
    if (top === "/" || DEVICES.has(top.slice(1)) || mounts.includes(top) || extra.includes(dir)) continue;
    if (hostIsDirectory(dir) && !pyodideHas(FS, dir)) extra.push(dir);
  }
  return extra;
}

// A script that is one of the process's own descriptors, as bash's
// `<(...)` gives (/dev/fd/63): Pyodide's /dev is its own, so the bytes are
// read here, once, into a file at the same path. (/dev/stdin is Pyodide's
// device for the same fd 0, and works as it is.)
function copyDescriptorScript(FS, file) {
  if (!/^\/dev\/fd\/\d+$/.test(file)) return;
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return; // Python's own open() reports it
  }
  FS.mkdirTree("/dev/fd");
  FS.writeFile(file, bytes);
}

function hostAccessMode(perms) {
  return (
    (perms.includes("r") ? fs.constants.R_OK : 0) |
    (perms.includes("w") ? fs.constants.W_OK : 0) |
    (perms.includes("x") ? fs.constants.X_OK : 0)
  );
}

function useHostPermissions(FS) {
  const NODEFS = FS.filesystems.NODEFS;
  // Looking a name up in a host directory: NODEFS's own lstat of it, next,
  // gets the host's EACCES when the directory may not be searched, so
  // asking the host first would only double every step of every path.
  const mayLookup = FS.mayLookup;
  FS.mayLookup = function (dir) {
    if (dir.mount?.type === NODEFS && FS.isDir(dir.mode)) return 0;
    return mayLookup.call(this, dir);
  };
  const byModeBits = FS.nodePermissions;
  FS.nodePermissions = function (node, perms) {
    if (node.mount?.type !== NODEFS) return byModeBits.call(this, node, perms);
    if (FS.ignorePermissions) return 0;
    try {
      fs.accessSync(NODEFS.realPath(node), hostAccessMode(perms));
      return 0;
    } catch (e) {
      // Anything but a refusal (the file went away...) is for the
      // operation itself to report.
      return e.code === "EACCES" || e.code === "EPERM" || e.code === "EROFS" ? EMSCRIPTEN_EACCES : 0;
    }
  };
}

function readFifos(FS) {
  const NODEFS = FS.filesystems.NODEFS;
  const hostCall = (f) => {
    try {
      return f();
    } catch (e) {
      if (!e.code) throw e;
      throw new FS.ErrnoError(NODEFS.convertNodeCode(e) ?? 28);
    }
  };
  const pipeOps = {
    ...NODEFS.stream_ops,
    // NODEFS drops O_NONBLOCK, which for a FIFO decides whether open()
    // waits for the other end.
    open(stream) {
      const nonBlocking = stream.flags & EMSCRIPTEN_O_NONBLOCK ? fs.constants.O_NONBLOCK : 0;
      stream.shared.refcount = 1;
      stream.nfd = hostCall(() => fs.openSync(NODEFS.realPath(stream.node), NODEFS.flagsForNode(stream.flags) | nonBlocking));
    },
    read: (stream, buffer, offset, length) => hostCall(() => fs.readSync(stream.nfd, buffer, offset, length, null)),
    write: (stream, buffer, offset, length) => hostCall(() => fs.writeSync(stream.nfd, buffer, offset, length, null)),
    llseek() {
      throw new FS.ErrnoError(EMSCRIPTEN_ESPIPE);
    },
  };
  const createNode = NODEFS.createNode;
  NODEFS.createNode = function (parent, name, mode, dev) {
    if (!FS.isFIFO(mode)) return createNode.call(this, parent, name, mode, dev);
    const node = FS.createNode(parent, name, mode);
    node.node_ops = NODEFS.node_ops;
    node.stream_ops = pipeOps;
    return node;
  };
}

// The working directory when the host's was deleted: relative paths then
// fail with ENOENT, as on the host. Emscripten's working directory is a
// path it resolves against, which need not exist.
function goneDirectory(FS, where) {
  FS.currentPath = where && where.startsWith("/") ? where : "/";
}

// `cwd`: the host's working directory, null when it was deleted;
// `script`: the program's file, when it is one.
export function mountHostFileSystem(FS, { cwd, alsoNeeded = [], script = null }) {
  useHostPermissions(FS);
  readFifos(FS);
  const mounts = hostTopDirectories();
  for (const dir of [...mounts, ...coveringMounts(FS, mounts, [...(cwd ? [cwd] : []), ...alsoNeeded])]) {
    FS.mkdirTree(dir);
    FS.mount(FS.filesystems.NODEFS, { root: dir }, dir);
  }
  if (script) copyDescriptorScript(FS, script);
  if (cwd) FS.chdir(cwd);
  else goneDirectory(FS, process.env.PWD);
}

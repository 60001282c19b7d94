// The process's own file descriptors as Pyodide's stdio devices.
//
// Writes go straight to fd 1 and 2, synchronously, so bytes reach the OS in
// the order Python flushed them, whatever the streams' buffering. Reads use
// fd 0 directly. process.stdin/stdout/stderr are never touched: creating
// those streams switches pipes to non-blocking mode, for every process
// sharing them.
import fs from "node:fs";
import tty from "node:tty";

import { interceptFatalErrors } from "../fatal-error.mjs";

const pause = new Int32Array(new SharedArrayBuffer(4));

// Descriptors inherited in non-blocking mode answer EAGAIN when full/empty.
function waitForFd() {
  Atomics.wait(pause, 0, 0, 2);
}

// One write(2), as a device's write is: what the OS took, or its error.
function writeSomeSync(fd, bytes) {
  for (;;) {
    try {
      return fs.writeSync(fd, bytes, 0, bytes.length);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      waitForFd();
    }
  }
}

export function writeAllSync(fd, bytes) {
  if (typeof bytes === "string") bytes = Buffer.from(bytes);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      waitForFd();
    }
  }
  return bytes.length;
}

export function readSomeSync(fd, buffer) {
  for (;;) {
    try {
      return fs.readSync(fd, buffer, 0, buffer.length, null);
    } catch (e) {
      if (e.code === "EOF") return 0;
      if (e.code !== "EAGAIN") throw e;
      waitForFd();
    }
  }
}

// The whole of fd 0, for `pyrun -` / `pyrun < script.py`.
export function readAllSync(fd) {
  const chunks = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    const n = readSomeSync(fd, buffer);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
}

// `terminal` (terminal.mjs), at the interactive prompt: told of each
// write to stdout and stderr, which share its screen.
export function attachStdio(pyodide, stdin, terminal = null) {
  const FS = pyodide.FS;
  // Errors a device handler throws must be Emscripten errno errors to reach
  // Python as OSError; EPIPE is the one users meet (`pyrun x.py | head`).
  // Emscripten numbers errno its own way, so ask Python for the numbers,
  // once: handlers run with the GIL released and cannot call into Python.
  const errnoByName = new Map(
    pyodide.runPython("import errno; list(errno.errorcode.items())").toJs().map(([n, name]) => [name, n]),
  );
  const asDeviceError = (e) => {
    const number = errnoByName.get(e?.code);
    return number === undefined ? e : new FS.ErrnoError(number);
  };
  // Abort status, as CPython's Py_FatalError gives.
  const fatal = interceptFatalErrors(pyodide, ({ message, stack }) => {
    writeAllSync(2, `${message}\n${stack ? `${stack}\n` : ""}`);
    process.exit(134);
  });
  const device = (fd) => ({
    write(bytes) {
      if (fatal(bytes)) return bytes.length;
      terminal?.beforeOutput();
      let n;
      try {
        n = writeSomeSync(fd, bytes);
      } catch (e) {
        throw asDeviceError(e);
      }
      terminal?.afterOutput(bytes.subarray(0, n));
      return n;
    },
    isatty: tty.isatty(fd),
  });
  pyodide.setStdout(device(1));
  pyodide.setStderr(device(2));
  pyodide.setStdin({
    read(buffer) {
      try {
        return stdin.readSync(buffer);
      } catch (e) {
        throw asDeviceError(e);
      }
    },
    isatty: tty.isatty(0),
  });
}

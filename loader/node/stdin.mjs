// The process's stdin for Python: one buffer, read two ways.
//  - readLine(): async, for transformed code (input(), sys.stdin reads):
//    the event loop keeps running while it waits.
//  - readLineSync(): the same, blocking, for code pyrun drives
//    synchronously (runtime/aio/wait_sync.c);
//  - readSync(buffer): for Pyodide's stdin device, used by code pyrun does
//    not rewrite; it serves what was already buffered first.
// fd 0 is read directly (fs.read), never through process.stdin.
import fs from "node:fs";

import { readSomeSync } from "./stdio.mjs";

const CHUNK = 1 << 16;

export class HostStdin {
  #buffer = Buffer.alloc(0);
  #eof = false;
  #reading = null;
  #decoder = new TextDecoder("utf-8");

  #fill() {
    this.#reading ??= new Promise((resolve, reject) => {
      const chunk = Buffer.alloc(CHUNK);
      const attempt = () =>
        fs.read(0, chunk, 0, CHUNK, null, (err, n) => {
          if (err?.code === "EAGAIN") return setTimeout(attempt, 10);
          if (err && err.code !== "EOF") return reject(err);
          if (!n) this.#eof = true;
          else this.#buffer = Buffer.concat([this.#buffer, chunk.subarray(0, n)]);
          resolve();
        });
      attempt();
    }).finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  #take(n) {
    const head = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return head;
  }

  // The next line with its "\n", the rest at end of input, then null.
  async readLine() {
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl >= 0) return this.#decoder.decode(this.#take(nl + 1));
      if (this.#eof) return this.#buffer.length ? this.#decoder.decode(this.#take(this.#buffer.length)) : null;
      await this.#fill();
    }
  }

  readLineSync() {
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl >= 0) return this.#decoder.decode(this.#take(nl + 1));
      if (this.#eof) return this.#buffer.length ? this.#decoder.decode(this.#take(this.#buffer.length)) : null;
      // A read already under way would take bytes meant for this one.
      if (this.#reading) throw new Error("stdin is being read asynchronously by another task");
      const chunk = Buffer.alloc(CHUNK);
      const n = readSomeSync(0, chunk);
      if (!n) this.#eof = true;
      else this.#buffer = Buffer.concat([this.#buffer, chunk.subarray(0, n)]);
    }
  }

  readSync(target) {
    if (this.#buffer.length) {
      const n = Math.min(target.length, this.#buffer.length);
      target.set(this.#take(n));
      return n;
    }
    if (this.#eof) return 0;
    return readSomeSync(0, target);
  }
}

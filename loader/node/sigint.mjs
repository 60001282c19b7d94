// Ctrl-C for a program that runs on the main thread's event loop.
//
// A process.on("SIGINT") listener only runs when the event loop is free, so
// it could never stop Python busy in a loop. Instead a worker thread sits in
// vm.runInContext(..., { breakOnSigint: true }): Node's SIGINT watchdog then
// interrupts the worker on every Ctrl-C, wherever the main thread is. The
// worker raises the flag in Pyodide's interrupt buffer and tells the main
// thread, which delivers KeyboardInterrupt itself when Python was idle at an
// await.
//
// Python only sees the flag while it runs if Pyodide polls the buffer, and
// that polling costs CPU-bound code about 10%. So it is enabled only when
// a human can press Ctrl-C: when stdin is a terminal. Otherwise, and for
// Python stuck where it cannot be interrupted, a Ctrl-C that nobody takes
// within a second ends the process as CPython ends on KeyboardInterrupt,
// with status 130. At the interactive prompt it waits instead, as
// python3's prompt does; a second Ctrl-C meanwhile ends the process.
import { Worker } from "node:worker_threads";

const SIGINT = 2;

const GRACE_MS = 1000;

const WATCHDOG = `
const { workerData: { flag, graceMs }, parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const vm = require("node:vm");
const context = vm.createContext({ Atomics, flag });
parentPort.postMessage("ready");
for (;;) {
  try {
    vm.runInContext("for (;;) Atomics.wait(flag, 1, 0)", context, { breakOnSigint: true });
  } catch (e) {
    if (!String(e && e.message).includes("SIGINT")) throw e;
    if (Atomics.compareExchange(flag, 0, 0, ${SIGINT}) !== 0) break;
    Atomics.notify(flag, 0); // wakes a synchronous sleep (sleepSync)
    parentPort.postMessage("SIGINT");
    // Taken by Python or by the main thread? Python clears the flag
    // without a notify, so the flag is looked at until then.
    const deadline = graceMs === null ? Infinity : Date.now() + graceMs;
    while (Atomics.load(flag, 0) === ${SIGINT} && Date.now() < deadline) Atomics.wait(flag, 0, ${SIGINT}, 20);
    if (Atomics.load(flag, 0) === ${SIGINT}) break;
  }
}
fs.writeSync(2, "\\nKeyboardInterrupt\\n");
process.kill(process.pid, "SIGINT");
`;

// onIdleInterrupt() runs on the main thread when a Ctrl-C arrived while
// Python was not running to see the flag. Returns the buffer to give
// pyodide.setInterruptBuffer() when Python should poll it, else null, and
// sleepSync(seconds): the main thread blocked, using no CPU, for that
// long or until a Ctrl-C (then true, the Ctrl-C taken), and `ready`, a
// promise kept once Ctrl-C is watched for: before that a worker starting
// slowly on a loaded machine would let a Ctrl-C kill the process.
// `patient`: at the interactive prompt a Ctrl-C is never a reason to end
// the process; it waits for Python to take it, as python3's prompt does.
export function watchSigint(onIdleInterrupt, { pollFromPython, patient = false }) {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WATCHDOG, { eval: true, workerData: { flag, graceMs: patient ? null : GRACE_MS } });
  let watching;
  const ready = new Promise((resolve) => (watching = resolve));
  worker.on("message", (message) => {
    if (message === "ready") {
      // Until the worker watches, a Ctrl-C would kill the process outright.
      // It stays referenced until then, so that awaiting `ready` keeps the
      // process alive; the listener is added first, as adding one after
      // unref() would reference it again.
      worker.unref();
      watching();
    } else if (Atomics.compareExchange(flag, 0, SIGINT, 0) === SIGINT) {
      Atomics.notify(flag, 0);
      onIdleInterrupt();
    }
  });
  const sleepSync = (seconds) => {
    const end = performance.now() + seconds * 1000;
    for (;;) {
      if (Atomics.compareExchange(flag, 0, SIGINT, 0) === SIGINT) {
        Atomics.notify(flag, 0);
        return true;
      }
      const left = end - performance.now();
      if (left <= 0) return false;
      Atomics.wait(flag, 0, 0, left);
    }
  };
  return { interruptBuffer: pollFromPython ? flag : null, sleepSync, ready };
}

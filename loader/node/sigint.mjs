// Ctrl-C for a program that runs on the main thread's event loop.
//
// A process.on("SIGINT") listener only runs when the event loop is free, so
// it could never stop Python busy in a loop. Instead a worker thread sits in
// vm.runInContext(..., { breakOnSigint: true }): Node's SIGINT watchdog then
// interrupts the worker on every Ctrl-C, wherever the main thread is. The
// worker raises the flag in Pyodide's interrupt buffer, which Python polls
// while it runs (KeyboardInterrupt at the next bytecode), and tells the main
// thread, which delivers KeyboardInterrupt itself when Python was idle at an
// await. A second Ctrl-C that finds the first still undelivered means Python
// is stuck where it cannot be interrupted: the process then dies of SIGINT
// as an uninterruptible one would.
import { Worker } from "node:worker_threads";

const SIGINT = 2;

const WATCHDOG = `
const { workerData: flag, parentPort } = require("node:worker_threads");
const vm = require("node:vm");
const context = vm.createContext({ Atomics, flag });
for (;;) {
  try {
    vm.runInContext("for (;;) Atomics.wait(flag, 1, 0)", context, { breakOnSigint: true });
  } catch (e) {
    if (!String(e && e.message).includes("SIGINT")) throw e;
    if (Atomics.compareExchange(flag, 0, 0, ${SIGINT}) !== 0) break;
    parentPort.postMessage("SIGINT");
  }
}
process.kill(process.pid, "SIGINT");
`;

// onIdleInterrupt() runs on the main thread when a Ctrl-C arrived while
// Python was not running to see the flag.
export function watchSigint(onIdleInterrupt) {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WATCHDOG, { eval: true, workerData: flag });
  worker.on("message", () => {
    if (Atomics.compareExchange(flag, 0, SIGINT, 0) === SIGINT) onIdleInterrupt();
  });
  // Order matters: a listener added after unref() would ref the worker again.
  worker.unref();
  return { interruptBuffer: flag };
}

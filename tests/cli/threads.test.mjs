// Threads as tasks (README "Threads and HTTP"): what CPython cannot show,
// because it hangs or starts a process: a deadlock ends the program with
// an error naming where each thread waits, and a process or socket call
// raises OSError naming the call. The threads' own behaviour is in the
// case table (tests/cases/threads_*.py), compared with CPython.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyrun, scratch, text } from "../helpers/run.mjs";

const DEADLOCK = `import threading
a = threading.Lock()
b = threading.Lock()
ready = threading.Event()
def one():
    with a:
        ready.wait()
        with b:
            print("one")
def two():
    with b:
        ready.set()
        with a:
            print("two")
t1 = threading.Thread(target=one)
t2 = threading.Thread(target=two)
t1.start()
t2.start()
`;

test("a deadlock while the main program joins ends it with where each thread waits", async () => {
  const dir = scratch({ "main.py": `${DEADLOCK}t1.join()\nprint("never")\n` });
  const r = await pyrun(["main.py"], { cwd: dir, timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.equal(text(r.stdout), "");
  const err = text(r.stderr);
  assert.match(err, /File ".*main\.py", line 19, in <module>\n    t1\.join\(\)/);
  assert.match(
    err,
    /RuntimeError: the program is stuck: it awaits something that nothing left running can complete, and so do its threads: Thread-1 \(one\) waits at .*main\.py, line 8; Thread-2 \(two\) waits at .*main\.py, line 13\n$/,
  );
});

test("threads left in a deadlock after the main code ends are named, and the status is 1", async () => {
  const dir = scratch({ "main.py": `${DEADLOCK}print("main ends")\n` });
  const r = await pyrun(["main.py"], { cwd: dir, timeout: 30_000 });
  assert.equal(text(r.stdout), "main ends\n");
  assert.match(
    text(r.stderr),
    /^RuntimeError: the program's threads are stuck, each waiting for what none of the others will do: Thread-1 \(one\) waits at .*main\.py, line 8; Thread-2 \(two\) waits at .*main\.py, line 13\n$/,
  );
  assert.equal(r.status, 1);
});

test("starting a process or opening a socket raises OSError naming the call, at the user's line", async () => {
  const dir = scratch({
    "main.py": `import errno, os, subprocess, socket
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
for f in (lambda: mp.Process(target=print).start(), lambda: ProcessPoolExecutor(2), lambda: socket.create_connection(("127.0.0.1", 9)),
          lambda: os.popen("ls").read(), lambda: os.fork(), lambda: os.execvp("ls", ["ls"])):
    try:
        f()
    except OSError as e:
        print(e.errno == errno.ENOTSUP, e.strerror)
subprocess.run(["ls"], check=True)
`,
  });
  const r = await pyrun(["main.py"], { cwd: dir });
  assert.equal(
    text(r.stdout),
    "True mp.Process() is not available under pyrun: Pyodide cannot start a process (threading.Thread and ThreadPoolExecutor run, as tasks)\n" +
      "True ProcessPoolExecutor() is not available under pyrun: Pyodide cannot start a process (threading.Thread and ThreadPoolExecutor run, as tasks)\n" +
      "True socket.create_connection() is not available under pyrun: Pyodide has no sockets\n" +
      "True os.popen() is not available under pyrun: Pyodide cannot start a process (threading.Thread and ThreadPoolExecutor run, as tasks)\n" +
      "True os.fork() is not available under pyrun: Pyodide cannot start a process (threading.Thread and ThreadPoolExecutor run, as tasks)\n" +
      "True os.execvp() is not available under pyrun: Pyodide cannot start a process (threading.Thread and ThreadPoolExecutor run, as tasks)\n",
  );
  assert.match(text(r.stderr), /line 10, in <module>\n    subprocess\.run\(\["ls"\], check=True\)\n[^]*OSError: \[Errno 95\] subprocess\.run\(\) is not available under pyrun/);
  assert.equal(r.status, 1);
});

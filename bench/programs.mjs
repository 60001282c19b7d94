// Programs the benchmarks run.
//
// A big module: many ordinary functions and classes, and a few that block,
// so the transform has real work to do (coloring, rewriting) on a realistic
// mix, as on a user's module.
export function bigModule(blocks = 150) {
  const parts = ["import time\nimport asyncio\n"];
  for (let i = 0; i < blocks; i++) {
    parts.push(`
class Shape${i}:
    def __init__(self, w, h):
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h

    def scaled(self, k):
        return Shape${i}(self.w * k, self.h * k)

    def describe(self):
        return f"{type(self).__name__} {self.w}x{self.h} area={self.area()}"

def parse${i}(text):
    fields = [f.strip() for f in text.split(",") if f.strip()]
    numbers = {}
    for f in fields:
        key, _, value = f.partition("=")
        numbers[key] = float(value) if "." in value else int(value)
    return numbers

def fetch${i}(url, retries=3):
    for attempt in range(retries):
        if attempt:
            time.sleep(0.01 * attempt)
        if url.startswith("http"):
            return {"url": url, "attempt": attempt}
    return None

def report${i}(urls):
    results = [fetch${i}(u) for u in urls]
    ok = sum(1 for r in results if r)
    return f"{ok}/{len(urls)} fetched"
`);
  }
  return parts.join("");
}

// Every measured program starts its clocks with START and ends with
// REPORT, which prints the wall and CPU seconds in between. CPU time is the
// host process's, through Pyodide's \`js\` module: Python inside Pyodide
// cannot see it.
const START = `
import time as _time, js as _js
def _cpu():
    usage = _js.process.cpuUsage()
    return (usage.user + usage.system) / 1e6
_wall, _cpu0 = _time.perf_counter(), _cpu()
`;
const REPORT = "print(_time.perf_counter() - _wall, _cpu() - _cpu0)\n";

// CPU-bound work that never blocks.
export const CPU_BOUND = `
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def sieve(n):
    flags = bytearray([1]) * (n + 1)
    for i in range(2, int(n ** 0.5) + 1):
        if flags[i]:
            flags[i * i :: i] = bytearray(len(flags[i * i :: i]))
    return sum(flags) - 2
${START}
fib(29); sieve(4_000_000); sorted(str(i) for i in range(600_000))
${REPORT}`;

// A function that is colored (it may sleep) but, as called here, never
// does: the cost of calling an async function instead of a plain one.
export const COLORED_CALLS = `
import time
def step(x):
    if x < 0:
        time.sleep(1)
    return x + 1
def run(n):
    total = 0
    for i in range(n):
        total += step(i)
    return total
${START}
run(100_000)
${REPORT}`;

// CPython's own price of a coroutine: the COLORED_CALLS loop with step
// as a plain function and as an async def that is awaited, on the native
// python3, whatever pyrun does. Prints the two wall times.
export const COROUTINE_FLOOR = `
import asyncio, time
def step(x):
    return x + 1
async def astep(x):
    return x + 1
def run(n):
    total = 0
    for i in range(n):
        total += step(i)
async def arun(n):
    total = 0
    for i in range(n):
        total += await astep(i)
start = time.perf_counter(); run(100_000); plain = time.perf_counter() - start
start = time.perf_counter(); asyncio.run(arun(100_000)); coroutines = time.perf_counter() - start
print(plain, coroutines)
`;

// One sleep of 2 s: plain Pyodide busy-waits through it, pyrun awaits it.
export const SLEEPING = `
import time
${START}
time.sleep(2)
${REPORT}`;

// A sleep pyrun cannot make async: a special method the interpreter calls
// (`<` calling __lt__). pyrun then waits synchronously, as CPython
// does, with no CPU (Atomics.wait); plain Pyodide busy-waits.
export const FALLBACK_SLEEP = `
import time
class Slow:
    def __lt__(self, other):
        time.sleep(2)
        return True
${START}
print(Slow() < Slow())
${REPORT}`;

// print() of 100,000 ints, in a program that has a class whose __str__
// blocks, so that print of a value that may be one is checked (issue 13),
// and the same program without that class.
const PRINT_LOOP = `
for i in range(100_000):
    print(i)
`;
export const PRINT_INTS = `${START}${PRINT_LOOP}${REPORT}`;
export const PRINT_INTS_BLOCKING_STR = `
import time
class Loud:
    def __str__(self):
        time.sleep(0)
        return "loud"
print(Loud())
${START}${PRINT_LOOP}${REPORT}`;

// sorted() of 10,000 objects whose __lt__ may block but does not: each
// comparison reaches colored code, the sort is replayed (aio/replay.c).
export const SORT_BLOCKING_LT = `
import random, time
class Item:
    def __init__(self, v):
        self.v = v
    def __lt__(self, other):
        if self.v < 0:
            time.sleep(0)
        return self.v < other.v
random.seed(1)
items = [Item(random.random()) for _ in range(10_000)]
${START}
ordered = sorted(items)
assert all(a.v <= b.v for a, b in zip(ordered, ordered[1:]))
${REPORT}`;

// Many short sleeps from nested sync calls: 100 x 10 ms. (Pyodide's loop
// runs timers of 2 ms or less at once: shorter sleeps would compare its
// early wake-ups with pyrun's full sleeps.)
export const SLEEP_HEAVY = `
import time
def tick(i):
    time.sleep(0.01)
    return i
def run(n):
    return sum(tick(i) for i in range(n))
${START}
run(100)
${REPORT}`;

// An import of a module already loaded, 100,000 times. The module blocks
// while it is imported, so under pyrun every \`import\` of it is awaited:
// the figure is that await against CPython's own fast path.
export const REPEATED_IMPORT = {
  modules: { "slow_config.py": "import time\ntime.sleep(0.001)\nVALUE = 1\n" },
  source: `
import slow_config
def run(n):
    for i in range(n):
        import slow_config
        from slow_config import VALUE
${START}
run(100_000)
${REPORT}`,
};

// Threads as tasks (README "Threads and HTTP"), against CPython's own
// threads: plain Pyodide cannot start one. The clock and CPU time are read
// as either interpreter has them.
const START_ANYWHERE = `
import time as _time
try:
    import js as _js
    def _cpu():
        usage = _js.process.cpuUsage()
        return (usage.user + usage.system) / 1e6
except ImportError:
    def _cpu():
        return _time.process_time()
_wall, _cpu0 = _time.perf_counter(), _cpu()
`;

// A producer and a consumer passing 10,000 items through a bounded queue.
export const QUEUE_PIPELINE = `
import queue, threading
${START_ANYWHERE}
q = queue.Queue(maxsize=100)
total = 0
def produce():
    for i in range(10_000):
        q.put(i)
    q.put(None)
def consume():
    global total
    while (item := q.get()) is not None:
        total += item
threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert total == sum(range(10_000))
${REPORT}`;

// Ten threads that each sleep 1 s: the CPU they use meanwhile.
export const SLEEPING_THREADS = `
import threading, time
${START_ANYWHERE}
threads = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(10)]
for t in threads:
    t.start()
for t in threads:
    t.join()
${REPORT}`;

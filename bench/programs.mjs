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

// CPU-bound work that never blocks, timed from inside the program.
export const CPU_BOUND = `
import time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def sieve(n):
    flags = bytearray([1]) * (n + 1)
    for i in range(2, int(n ** 0.5) + 1):
        if flags[i]:
            flags[i * i :: i] = bytearray(len(flags[i * i :: i]))
    return sum(flags) - 2
start = time.perf_counter()
fib(29); sieve(4_000_000); sorted(str(i) for i in range(600_000))
print(time.perf_counter() - start)
`;

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
start = time.perf_counter()
run(100_000)
print(time.perf_counter() - start)
`;

// An import of a module already loaded, 100,000 times. The module blocks
// while it is imported, so under pyrun every `import` of it is awaited:
// the figure is that await against CPython's own fast path.
export const REPEATED_IMPORT = {
  modules: { "slow_config.py": "import time\ntime.sleep(0.001)\nVALUE = 1\n" },
  source: `
import time
import slow_config
def run(n):
    for i in range(n):
        import slow_config
        from slow_config import VALUE
start = time.perf_counter()
run(100_000)
print(time.perf_counter() - start)
`,
};

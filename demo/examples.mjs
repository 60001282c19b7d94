// The demo's examples menu: each a set of files, main.py first. Add one by
// appending { id, title, files } (?example=ID opens it).
export const EXAMPLES = [
  {
    id: "countdown",
    title: "Countdown with time.sleep",
    files: {
      "main.py": `import time

for n in range(5, 0, -1):
    print(n, "...")
    time.sleep(1)  # the page's clock keeps ticking meanwhile
print("Liftoff!")
`,
    },
  },
  {
    id: "gather",
    title: "asyncio.run with gather",
    files: {
      "main.py": `import asyncio


async def brew(drink, seconds):
    print(f"{drink}: started")
    await asyncio.sleep(seconds)
    print(f"{drink}: ready after {seconds} s")
    return drink


async def main():
    served = await asyncio.gather(brew("tea", 1.5), brew("coffee", 1), brew("cocoa", 0.5))
    print("served:", ", ".join(served))


asyncio.run(main())  # in plain Pyodide: "cannot be called from a running event loop"
`,
    },
  },
  {
    id: "quiz",
    title: "input() quiz",
    files: {
      "main.py": `QUESTIONS = [
    ("What is 6 x 7?", "42"),
    ("Which planet is the largest?", "jupiter"),
    ("What does input() return?", "str"),
]

name = input("Your name? ")
score = 0
for question, answer in QUESTIONS:
    reply = input(question + " ")
    if reply.strip().lower() == answer:
        print("Right!")
        score += 1
    else:
        print("No, it is", answer)
print(f"{name}, you scored {score}/{len(QUESTIONS)}")
`,
    },
  },
  {
    id: "modules",
    title: "A program of several modules",
    files: {
      "main.py": `from inventory import Shop
import weather

shop = Shop("Corner shop")
shop.restock("tea", 3)
shop.restock("bread", 1)
print(shop.report())
print("Forecast:", weather.forecast("Lisbon"))
`,
      "inventory.py": `import time


class Shop:
    def __init__(self, name):
        self.name = name
        self.stock = {}

    def restock(self, item, count):
        print(f"ordering {count} x {item}...")
        time.sleep(0.5)  # a delivery takes time
        self.stock[item] = self.stock.get(item, 0) + count

    def report(self):
        items = ", ".join(f"{k}: {v}" for k, v in sorted(self.stock.items()))
        return f"{self.name} has {items}"
`,
      "weather.py": `import time

print("weather: connecting to the station...")
time.sleep(0.5)  # this module blocks while it is imported


def forecast(city):
    time.sleep(0.3)
    return f"sunny in {city}"
`,
    },
  },
  {
    id: "interleaving",
    title: "create_task + time.sleep interleaving",
    files: {
      "main.py": `# From the "AST Black Magic" talk: the task starts and runs while the
# main code sleeps, so its lines come before the sleep returns.
import asyncio
import time


async def timer():
    print("timer: started")
    for i in range(3):
        await asyncio.sleep(0.4)
        print("timer: tick", i)


asyncio.create_task(timer())
print("main: sleeping 2 s")
time.sleep(2)
print("main: slept")
`,
    },
  },
  {
    id: "traceback",
    title: "A program that raises",
    files: {
      "main.py": `import time


def average(values):
    time.sleep(0.2)
    return sum(values) / len(values)


def report(groups):
    for name, values in groups.items():
        print(name, average(values))


report({"morning": [3, 4, 5], "evening": []})
`,
    },
  },
  {
    id: "button",
    title: "A button made from Python",
    files: {
      "main.py": `# The click handler is a plain sync function that sleeps: a JS event
# handler is a synchronous entry point, which Pyodide's JSPI cannot
# suspend; pyrun runs the handler as a task instead.
import time

import js
from pyodide.ffi import create_proxy

area = js.document.getElementById("py-area")
button = js.document.createElement("button")
button.textContent = "Brew tea"
label = js.document.createElement("span")
label.textContent = " idle"


def brew(event):
    label.textContent = " brewing..."
    time.sleep(2)
    label.textContent = " tea is ready"
    print("tea served")


button.addEventListener("click", create_proxy(brew))
area.replaceChildren(button, label)
print("Click the button: its handler sleeps 2 s and the page stays responsive.")
`,
    },
  },
  {
    id: "deep",
    title: "Sleeping deep inside functions and classes",
    files: {
      "main.py": `import time


class Kettle:
    def __init__(self, litres):
        self.litres = litres

    def boil(self):
        for step in range(3):
            time.sleep(0.3)  # pyrun turns this into an await
            print(f"  heating... {step + 1}/3")
        return f"{self.litres} l boiled"


def make_tea(kettle):
    water = kettle.boil()  # boil() waits, so make_tea waits too
    return f"tea from {water}"


def morning():
    print("morning: start")
    print("morning:", make_tea(Kettle(1.5)))


morning()
`,
    },
  },
  {
    id: "generator",
    title: "A generator that sleeps between items",
    files: {
      "main.py": `import time


def readings(count):
    for i in range(count):
        time.sleep(0.4)  # waiting for a sensor
        yield 20 + i * 0.5


for value in readings(3):
    print("reading", value)

print("average", sum(readings(4)) / 4)
`,
    },
  },
  {
    id: "threads",
    title: "Threads and a queue: workers on the page's one thread",
    files: {
      "main.py": `import queue
import threading
import time

jobs = queue.Queue()
done = []
lock = threading.Lock()


def worker():
    name = threading.current_thread().name
    while (job := jobs.get()) is not None:
        time.sleep(job / 10)  # each thread waits here; the others go on
        with lock:
            done.append(job)
        print(f"{name} finished job {job}")
        jobs.task_done()
    jobs.task_done()


threads = [threading.Thread(target=worker, name=f"worker-{i}") for i in range(2)]
for t in threads:
    t.start()
for job in (4, 1, 2):
    jobs.put(job)
jobs.join()
for t in threads:
    jobs.put(None)
for t in threads:
    t.join()
print("done in order of finishing:", done)
`,
    },
  },
  {
    id: "fetch",
    title: "urllib.request.urlopen through the page's fetch",
    files: {
      "main.py": `import urllib.request

import js

# a file the demo's own server serves, fetched by urllib as CPython would
url = js.location.origin + "/favicon.svg"
with urllib.request.urlopen(url) as response:
    print(response.status, response.reason, response.headers["Content-Type"])
    print("starts with", response.read(4))
`,
    },
  },
  {
    id: "stopwatch",
    title: "A stopwatch: handlers stay active after the program",
    files: {
      "main.py": `# The program ends at once; its buttons keep working. The status line
# then says "handlers still active". Run another program to end them.
import time

import js
from pyodide.ffi import create_proxy

area = js.document.getElementById("py-area")
display = js.document.createElement("strong")
start = js.document.createElement("button")
stop = js.document.createElement("button")
display.textContent = "0.0 s "
start.textContent = "Start"
stop.textContent = "Stop"
running = False


def on_start(event):
    global running
    if running:
        return
    running = True
    began = time.time()
    while running:
        time.sleep(0.1)  # a sync loop, yet the page stays live
        display.textContent = f"{time.time() - began:.1f} s "
    print("stopped at", display.textContent)


def on_stop(event):
    global running
    running = False


start.addEventListener("click", create_proxy(on_start))
stop.addEventListener("click", create_proxy(on_stop))
area.replaceChildren(display, start, stop)
print("Press Start, then Stop.")
`,
    },
  },
];

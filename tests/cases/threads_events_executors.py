# flow: Event (wait, set, clear, timeouts), Condition (wait_for, notify, notify_all), Semaphore and BoundedSemaphore, Timer (fired, cancelled), and concurrent.futures.ThreadPoolExecutor (submit, result, exception, map, max_workers, with, shutdown) as threads on the one loop
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def say(*parts):
    sys.stdout.write(" ".join(map(str, parts)) + "\n")


ready = threading.Event()
woke = []


def waiter(name):
    woke.append((name, ready.wait(2)))


waiters = [threading.Thread(target=waiter, args=(n,)) for n in ("w1", "w2")]
for t in waiters:
    t.start()
time.sleep(0.05)
say("setting")
ready.set()
for t in waiters:
    t.join()
print("woke:", sorted(woke))
ready.clear()
print("cleared wait:", ready.wait(0.02), "is_set:", ready.is_set())

cond = threading.Condition()
box = []


def take(name):
    with cond:
        cond.wait_for(lambda: box)
        say(name, "took", box.pop())


takers = [threading.Thread(target=take, args=(n,)) for n in ("t1", "t2")]
for t in takers:
    t.start()
time.sleep(0.02)
with cond:
    box.append("first")
    cond.notify()
time.sleep(0.02)
with cond:
    box.append("second")
    cond.notify_all()
for t in takers:
    t.join()
with cond:
    print("wait timed out:", cond.wait(0.01) is False)

sem = threading.Semaphore(2)
inside = []
peak = []


def limited(i):
    with sem:
        inside.append(i)
        peak.append(len(inside))
        time.sleep(0.03)
        inside.remove(i)


group = [threading.Thread(target=limited, args=(i,)) for i in range(5)]
for t in group:
    t.start()
for t in group:
    t.join()
print("at most", max(peak), "inside at once")
bounded = threading.BoundedSemaphore(1)
bounded.acquire()
bounded.release()
try:
    bounded.release()
except ValueError as e:
    print("ValueError:", e)

fired = []
timer = threading.Timer(0.02, fired.append, args=("fired",))
timer.start()
timer.join()
never = threading.Timer(5, fired.append, args=("never",))
never.start()
never.cancel()
never.join()
print("timers:", fired)


def square(x):
    time.sleep(0.01 * (4 - x))
    return x * x


def fail(x):
    raise KeyError(x)


with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool") as ex:
    futures = [ex.submit(square, i) for i in range(4)]
    print("results:", [f.result() for f in futures])
    print("map:", list(ex.map(square, [3, 1, 2])))
    bad = ex.submit(fail, "k")
    print("exception:", repr(bad.exception()))
    try:
        bad.result()
    except KeyError as e:
        print("result raised KeyError", e)
    names = ex.submit(lambda: threading.current_thread().name).result()
    print("worker name starts with pool_:", names.startswith("pool_"))
print("all done:", all(f.done() for f in futures))
try:
    ex.submit(square, 1)
except RuntimeError as e:
    print("RuntimeError:", e)

running = []


def track(i):
    running.append(i)
    time.sleep(0.02)
    most.append(len(running))
    running.remove(i)


most = []
ex = ThreadPoolExecutor(max_workers=3)
for i in range(7):
    ex.submit(track, i)
ex.shutdown(wait=True)
print("never more than", max(most), "workers")

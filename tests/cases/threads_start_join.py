# flow: threading.Thread runs as a task on the one loop: start() lets the new thread run until it first waits, join() waits for it (with a timeout too), is_alive, names, idents, current_thread(), active_count(), enumerate(), a subclass's run(), and an exception in a thread reported through threading.excepthook
import sys
import threading
import time

log = []
started = []


def say(*parts):
    sys.stdout.write(" ".join(map(str, parts)) + "\n")  # one write: threads do not split a line


def worker(n, delay):
    started.append((n, threading.current_thread().name))
    time.sleep(delay)
    log.append(n)
    say(f"worker {n} done after {delay:.1f}")


threads = [threading.Thread(target=worker, args=(i, 0.3 - 0.1 * i), name=f"w{i}") for i in range(3)]
for t in threads:
    t.start()
print("alive:", [t.is_alive() for t in threads], "count:", threading.active_count())
print("started in:", sorted(started))
print("names:", sorted(t.name for t in threading.enumerate()))
print("idents distinct:", len({t.ident for t in threads}) == 3, threads[0].ident is not None)
threads[0].join(timeout=0.05)
print("after a short join, w0 alive:", threads[0].is_alive())
for t in threads:
    t.join()
print("order:", log, "alive:", [t.is_alive() for t in threads], "count:", threading.active_count())
print("main is", threading.current_thread().name, threading.current_thread() is threading.main_thread())


class Counter(threading.Thread):
    def __init__(self, n):
        super().__init__(name=f"counter-{n}")
        self.n = n
        self.total = 0

    def run(self):
        for i in range(self.n):
            time.sleep(0.01)
            self.total += i


counters = [Counter(4), Counter(6)]
for c in counters:
    c.start()
for c in counters:
    c.join()
print([(c.name, c.total) for c in counters])

try:
    counters[0].start()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    threading.Thread(target=print).join()
except RuntimeError as e:
    print("RuntimeError:", e)


def hook(args):
    say("hook:", args.exc_type.__name__, args.exc_value, "in", args.thread.name)


threading.excepthook = hook


def fails():
    time.sleep(0.01)
    raise ValueError("bad input")


f = threading.Thread(target=fails, name="failing")
f.start()
f.join()
print("main goes on")

# at the end: the program waits for threads that are not daemons, not for daemons
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
threading.Thread(target=lambda: (time.sleep(0.05), say("a thread left running ends"))).start()
print("main ends")

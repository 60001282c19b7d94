# flow: Lock and RLock (with, acquire/release, blocking=False, timeout), queue.Queue producer and consumer (put/get blocking on a full or empty queue, task_done, join, a sentinel), get/put timeouts raising Empty and Full, LifoQueue, PriorityQueue and SimpleQueue, all as threads on the one loop
import queue
import sys
import threading
import time


def say(*parts):
    sys.stdout.write(" ".join(map(str, parts)) + "\n")


lock = threading.Lock()
counter = 0


def add(times):
    global counter
    for _ in range(times):
        with lock:
            seen = counter
            time.sleep(0.001)  # another thread runs here, and finds the lock taken
            counter = seen + 1


adders = [threading.Thread(target=add, args=(10,)) for _ in range(4)]
for t in adders:
    t.start()
for t in adders:
    t.join()
print("counter:", counter)

print("acquire:", lock.acquire(), "again, not blocking:", lock.acquire(blocking=False))
print("again, with a timeout:", lock.acquire(timeout=0.02), "locked:", lock.locked())
lock.release()
try:
    lock.release()
except RuntimeError as e:
    print("RuntimeError:", e)

rlock = threading.RLock()


def nested(name):
    with rlock:
        with rlock:
            time.sleep(0.01)
            say(name, "holds it twice")


pair = [threading.Thread(target=nested, args=(n,)) for n in ("a", "b")]
for t in pair:
    t.start()
for t in pair:
    t.join()

q = queue.Queue(maxsize=2)
consumed = []


def producer():
    for i in range(6):
        q.put(i)  # waits while the queue is full
    q.put(None)


def consumer():
    while True:
        item = q.get()
        if item is None:
            q.task_done()
            return
        time.sleep(0.005)
        consumed.append(item * 10)
        q.task_done()


workers = [threading.Thread(target=producer), threading.Thread(target=consumer)]
for t in workers:
    t.start()
q.join()
for t in workers:
    t.join()
print("consumed:", consumed, "empty:", q.empty())

try:
    q.get(timeout=0.02)
except queue.Empty:
    print("Empty after a timeout")
try:
    q.get(block=False)
except queue.Empty:
    print("Empty at once")
q.put("x")
q.put("y")
try:
    q.put("z", timeout=0.02)
except queue.Full:
    print("Full after a timeout, size", q.qsize())
print(q.get_nowait(), q.get_nowait())

lifo = queue.LifoQueue()
prio = queue.PriorityQueue()
simple = queue.SimpleQueue()
for v in (3, 1, 2):
    lifo.put(v)
    prio.put((v, f"p{v}"))
    simple.put(v)
print([lifo.get() for _ in range(3)], [prio.get()[1] for _ in range(3)], [simple.get() for _ in range(3)])


def late_put():
    time.sleep(0.03)
    simple.put("late")


t = threading.Thread(target=late_put)
t.start()
print("SimpleQueue waited for:", simple.get(timeout=1))
t.join()

# flow: threading.Barrier between threads that are tasks: parties, an action, n_waiting, rounds reused, a timeout that breaks it, reset(), abort() waking a waiter, an action that raises; the indices each wait() gives
import threading, time
results = []
def action():
    print("all arrived", len(results))
b = threading.Barrier(3, action=action)
def worker(n):
    time.sleep(0.01 * n)
    results.append(n)
    i = b.wait()
    results.append(("passed", n))
    b.wait()
    results.append(("second", n))
ts = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(map(str,results)))
print("parties", b.parties, "broken", b.broken, "n_waiting", b.n_waiting)

# timeout breaks it
b2 = threading.Barrier(2, timeout=0.05)
try:
    b2.wait()
except threading.BrokenBarrierError:
    print("timed out, broken:", b2.broken)
try:
    b2.wait()
except threading.BrokenBarrierError:
    print("still broken")
b2.reset()
print("after reset broken:", b2.broken)

# abort wakes a waiter
b3 = threading.Barrier(2)
def waiter():
    try:
        b3.wait()
    except threading.BrokenBarrierError:
        print("waiter saw abort")
t = threading.Thread(target=waiter); t.start()
time.sleep(0.02)
print("n_waiting", b3.n_waiting)
b3.abort()
t.join()

# action raising breaks the barrier
def bad():
    raise ValueError("boom")
b4 = threading.Barrier(2, action=bad)
def w4():
    try:
        b4.wait()
    except threading.BrokenBarrierError:
        print("w4 broken")
t = threading.Thread(target=w4); t.start()
try:
    b4.wait()
except ValueError as e:
    print("main got", e)
t.join()
# indices sorted
b5 = threading.Barrier(4)
idx = []
def w5():
    idx.append(b5.wait())
ts = [threading.Thread(target=w5) for _ in range(3)]
for t in ts: t.start()
idx.append(b5.wait())
for t in ts: t.join()
print(sorted(idx))

# flow: threading.local: each thread (a task) its own attributes, a subclass's __init__ run again with the constructor's arguments in each thread, vars() and __dict__ per thread, weak references, and _thread._local's own type and errors
import threading, time
data = threading.local()
data.name = "main"
print(type(data), type(data).__module__, type(data).__name__)
class Counter(threading.local):
    def __init__(self, start):
        self.value = start
        print("init in", threading.current_thread().name)
c = Counter(10)
seen = []
def worker(n):
    print("before", n, hasattr(data, "name"))
    data.name = "w%d" % n
    c.value += n
    time.sleep(0.01)
    seen.append((data.name, c.value, sorted(vars(data))))
ts = [threading.Thread(target=worker, args=(i,), name="T%d" % i) for i in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(seen))
print(data.name, c.value, data.__dict__)
try:
    threading.local(1)
except TypeError as e:
    print("TypeError", e)
import weakref
r = weakref.ref(data); print(r() is data)
del data.name
print(hasattr(data, "name"))

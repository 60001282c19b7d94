import contextlib
import time

class Resource:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        time.sleep(0.01)
        print("open", self.name)
        return self

    def __exit__(self, *exc):
        time.sleep(0.01)
        print("close", self.name, exc[0].__name__ if exc[0] else None)
        return False

with Resource("db") as r:
    print("using", r.name)

@contextlib.contextmanager
def span(label):
    time.sleep(0.01)
    print("begin", label)
    yield label.upper()
    print("end", label)

with span("work") as s, Resource("file"):
    print("inside", s)

try:
    with Resource("failing"):
        raise KeyError("k")
except KeyError:
    print("propagated")

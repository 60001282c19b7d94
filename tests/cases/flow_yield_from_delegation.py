# flow: yield from in generators that block (PEP 380): its value (what the subgenerator returned, blocking or plain), return (yield from ...), send() and throw() passed on to the subgenerator, close() closing it, StopIteration.value
import time


def averager():
    total, count = 0, 0
    while True:
        time.sleep(0)
        value = yield (total / count if count else None)
        if value is None:
            return count, total
        total += value
        count += 1


def plain_counter(n):
    for i in range(n):
        yield i
    return f"counted {n}"


def grouper(results, key):
    while True:
        results[key] = yield from averager()


def chained():
    first = yield from plain_counter(2)
    time.sleep(0)
    second = yield from averager()
    return (first, second)


def wrapper():
    return (yield from chained())


results = {}
for key, values in {"a": [1, 2, 3], "b": [10, 20]}.items():
    g = grouper(results, key)
    next(g)
    for v in values:
        g.send(v)
    g.send(None)
print(results)

w = wrapper()
print(next(w), next(w), next(w), w.send(5), w.send(7))
try:
    w.send(None)
except StopIteration as stop:
    print("wrapper returned", stop.value)


def tolerant():
    time.sleep(0)
    while True:
        try:
            yield "ready"
        except ValueError as e:
            print("sub caught", e)
        finally:
            print("sub step ends")


def outer():
    try:
        yield from tolerant()
    finally:
        print("outer closed")


o = outer()
print(next(o))
print(o.throw(ValueError("bad value")))
o.close()
print(list(plain_counter(3)), list(chained()))


class Tree:
    def __init__(self, label, *kids):
        self.label, self.kids = label, kids

    def walk(self):
        time.sleep(0)
        yield self.label
        size = 1
        for kid in self.kids:
            size += yield from kid.walk()
        return size


t = Tree("root", Tree("a", Tree("a1")), Tree("b"))
it = t.walk()
labels = []
while True:
    try:
        labels.append(next(it))
    except StopIteration as stop:
        print(labels, "size", stop.value)
        break

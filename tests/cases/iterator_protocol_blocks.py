# flow: objects whose __next__ blocks, or whose __iter__ is a generator that blocks: for, comprehensions, list/sum/max/sorted, unpacking, `in` and next() await them
import time

class Countdown:
    def __init__(self, start):
        self.n = start
    def __iter__(self):
        return self
    def __next__(self):
        time.sleep(0)
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n + 1

class Squares:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        for i in range(self.n):
            time.sleep(0)
            yield i * i

def main():
    for x in Countdown(3):
        print("tick", x)
    print([x * 10 for x in Countdown(2)], list(Countdown(3)), sum(Countdown(4)), max(Countdown(2)))
    print(sorted(Countdown(3)), 2 in Countdown(3), 7 in Countdown(3))
    first, second = Countdown(2)
    print(first, second, next(Countdown(5)))
    it = Countdown(1)
    print(next(it), next(it, "done"))
    try:
        next(it)
    except StopIteration:
        print("StopIteration, as CPython raises it")
    print(list(Squares(4)), [s for s in Squares(3) if s], sum(Squares(3)))
    a, *rest = Squares(4)
    print(a, rest)
    print(list(enumerate(Countdown(2), 2**63)), dict(enumerate(Squares(2), start=-1)))

class Bag:
    """Iterable, and a mapping: dict() reads it through keys(), and `in`
    asks its __contains__, which blocks too."""
    def __init__(self):
        self.items = {"a": 1, "b": 2}
    def __iter__(self):
        for k in self.items:
            time.sleep(0)
            yield k
    def keys(self):
        return self.items.keys()
    def __getitem__(self, k):
        return self.items[k]
    def __contains__(self, k):
        time.sleep(0)
        return k == "zz"

def bag():
    b = Bag()
    print(dict(b), list(b), "zz" in b, "a" in b, "a" not in b)

main()
bag()

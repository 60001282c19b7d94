# flow: an __iter__ that blocks and is not a generator (returning another iterator, or self with a __next__ that blocks): for, list, sum, sorted, max, unpacking, zip, enumerate, map, filter, iter() and next(), and iter()'s TypeError for a non-iterator
import time
class Bag:
    def __init__(self, *xs): self.xs = xs
    def __iter__(self):
        time.sleep(0)
        print("Bag.__iter__")
        return iter(self.xs)
class Self:
    def __init__(self): self.i = 0
    def __iter__(self):
        time.sleep(0)
        return self
    def __next__(self):
        time.sleep(0)
        self.i += 1
        if self.i > 2: raise StopIteration
        return self.i
class Bad:
    def __iter__(self):
        time.sleep(0)
        return 5
for x in Bag(1, 2): print(x)
print(list(Bag(3)), sum(Bag(1, 2, 3)), [v * 2 for v in Bag(4)], sorted(Bag(2, 1)), max(Bag(7, 8)))
a, *rest = Bag(1, 2, 3); print(a, rest)
print(list(Self()), list(zip(Self(), Bag("a", "b"))), dict(enumerate(Self())))
it = iter(Bag(5, 6)); print(type(it).__name__, next(it), list(it))
s = iter(Self()); print(type(s).__name__, next(s), next(s), next(s, "done"))
print(list(map(str, Bag(1))), list(filter(None, Bag(0, 1))))
try:
    for v in Bad(): pass
except TypeError as e: print("TypeError:", e)
try:
    iter(Bad())
except TypeError as e: print("TypeError:", e)

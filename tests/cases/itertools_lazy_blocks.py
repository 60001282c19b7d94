# flow: itertools.starmap/accumulate/takewhile/dropwhile/filterfalse over colored functions or async items stay lazy async iterators, consumed by list, sum, for, next, zip, dict
import time, itertools
from itertools import starmap, accumulate
def slow(x): time.sleep(0); return x
def gen():
    for i in range(5):
        time.sleep(0)
        yield i
print(list(itertools.starmap(lambda a, b: slow(a + b), [(1, 2), (3, 4)])), list(starmap(pow, [(2, 3)])))
print(list(itertools.accumulate([1, 2, 3], lambda a, b: slow(a * b))), list(accumulate([1, 2], lambda a, b: slow(a - b), initial=10)))
print(list(itertools.accumulate(gen())), list(itertools.accumulate([], lambda a, b: slow(a), initial=5)))
print(list(itertools.takewhile(lambda v: slow(v < 3), [1, 2, 3, 1])), list(itertools.dropwhile(lambda v: slow(v < 2), [1, 2, 1])))
print(list(itertools.filterfalse(lambda v: slow(v % 2), range(5))), list(itertools.filterfalse(None, [0, 1, "", "a"])))
print(list(itertools.takewhile(lambda v: v < 3, gen())), sum(itertools.filterfalse(lambda v: v % 2, gen())))
def evens(src):
    return itertools.filterfalse(lambda v: slow(v) % 2, src)
for e in evens(range(6)):
    print("even", e)
tw = itertools.takewhile(lambda v: slow(v) < 2, [0, 1, 2, 0])
print(next(tw), next(tw), next(tw, "end"), next(tw, "end"))
print(list(zip("ab", starmap(lambda x: slow(x * 2), [(1,), (2,)]))))
print(dict(starmap(lambda k, v: (slow(k), v), [("a", 1)])))

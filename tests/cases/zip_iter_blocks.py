# flow: zip (strict=True with its errors too) and iter() of generators and iterators whose __next__ blocks, lazily
import time, itertools
def gen(n):
    for i in range(n):
        time.sleep(0)
        yield i
class Count:
    def __init__(self): self.i = 0
    def __iter__(self): return self
    def __next__(self):
        time.sleep(0)
        self.i += 1
        if self.i > 3: raise StopIteration
        return self.i
print(list(zip(gen(3), itertools.count())), list(zip("abcd", Count())))
for a, b in zip(gen(2), gen(5)):
    print(a, b)
print(dict(zip("xy", gen(2))), [p for p in zip(Count(), Count())])
it = iter(gen(3))
print(next(it), list(it))
c = iter(Count())
print(next(c), next(c), list(c))
print(list(zip(gen(2), "ab", strict=True)))
def pairs(src):
    return list(zip(src, src))
print(pairs(gen(4)))
for a in ([1, 2], [1, 2, 3], [1]), ([1, 2, 3], [1, 2], [1, 2, 3]), ([1], [1], [1, 2]), ([], []):
    try:
        print(list(zip(gen(len(a[0])), *a[1:], strict=True)))
    except ValueError as e:
        print("ValueError:", e)

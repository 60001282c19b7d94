# flow: lambdas that block where no def can be lifted for them: inside comprehensions, class bodies and other lambdas, with defaults, closures, walrus, StopIteration and tracebacks
import time

def slow(x):
    time.sleep(0)
    return x

class C:
    f = lambda self, v: slow(v) + 1
    g = staticmethod(lambda v: slow(v) * 3)
    table = {k: (lambda v, k=k: slow(v) + k) for k in range(2)}

c = C()
print(c.f(1), C.g(2), c.g(2), [C.table[k](10) for k in C.table])
print([sorted(xs, key=lambda v: slow(-v)) for xs in ([1, 3, 2], [5, 4])])
adders = [lambda x, i=i: slow(x) + i for i in range(3)]
print([a(10) for a in adders])
outer = lambda a: (lambda b: slow(a) + b)
print(outer(1)(2))

def use():
    fs = {name: (lambda v: slow(v).upper()) for name in "ab"}
    return [fs[n](n) for n in fs]

print(use())
it = iter([1])
nxt = [lambda: slow(next(it)) for _ in range(1)][0]
print(nxt())
try:
    nxt()
except StopIteration:
    print("StopIteration caught, as CPython raises it")
print([(y := slow(v)) for v in [7]], y)
print(list(map(lambda f: f(5), [lambda v: slow(v) * 2 for _ in "ab"])))
bad = [lambda: slow(1) / 0 for _ in "x"][0]
try:
    bad()
except ZeroDivisionError as e:
    import traceback
    print([(f.name, f.lineno) for f in traceback.extract_tb(e.__traceback__)])
print(bad.__name__, type(bad).__name__)
bad()

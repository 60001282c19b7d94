# flow: a colored function and generator introspected as the plain ones: type(), weakref, gi_* attributes, re-entry, gi_code is __code__
import time, types, weakref, gc, inspect


def gen(n):
    for i in range(n):
        time.sleep(0)
        yield i


def work(x):
    time.sleep(0)
    return x + 1


print(type(work), type(gen), type(gen(1)))
print(isinstance(work, types.FunctionType), isinstance(gen(1), types.GeneratorType))

# weak references, as caches and signal libraries hold them
r = weakref.ref(work)
print(r() is work, r()(1))
g = gen(3)
rg = weakref.ref(g)
print(rg() is g, next(g))
del g
gc.collect()
print("generator collected:", rg() is None)
cache = weakref.WeakValueDictionary()
cache["w"] = work
print(sorted(cache.keys()))

# the attributes of a generator object
g = gen(2)
print([a for a in dir(g) if a.startswith("gi_")])
print(g.gi_running, g.gi_code is gen.__code__, g.gi_code.co_name, type(g.gi_frame).__name__)
print(inspect.getgeneratorstate(g))
print(next(g), inspect.getgeneratorstate(g), g.gi_suspended)
try:
    g.gi_running = 1
except AttributeError as e:
    print("AttributeError:", "not writable" in str(e))
print(list(g), inspect.getgeneratorstate(g), g.gi_frame)


# a generator resumed from inside itself
def selfish():
    time.sleep(0)
    yield next(me)


me = selfish()
try:
    next(me)
except ValueError as e:
    print("ValueError:", e)


def selfish_loop():
    time.sleep(0)
    for x in me2:
        yield x


me2 = selfish_loop()
try:
    next(me2)
except ValueError as e:
    print("ValueError:", e)

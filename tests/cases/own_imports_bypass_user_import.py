# flow: a program that replaces builtins.__import__ (to log or mock imports) while colored code runs: pyrun's own imports do not go through it, as the interpreter's machinery does not
import builtins, time, types
seen = []
real = builtins.__import__
def logging_import(name, *args, **kwargs):
    seen.append(name)
    return real(name, *args, **kwargs)

def gen():
    time.sleep(0)
    yield 1

def work(x):
    time.sleep(0)
    return x

builtins.__import__ = logging_import
try:
    g = gen()
    a = isinstance(g, types.GeneratorType)
    b = next(g)
    c = work(2)
    d = sorted(map(work, [3, 1, 2]))
finally:
    builtins.__import__ = real
print(a, b, c, d)
print("imports through builtins.__import__:", seen)

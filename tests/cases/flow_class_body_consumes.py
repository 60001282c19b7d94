# flow: class bodies (in a function and at module level) consume a blocking generator, where nothing can await
import time
def g():
    yield "a"
    time.sleep(0)
    yield "b"
def f(items):
    for i in range(1):
        class C:
            x = sorted(items)
    return C
def h():
    class D:
        y = ",".join(g())
        z = sum(len(v) for v in g())
        w = list(g())
        a, b = g()
        inside = "a" in g()
        t = [v for v in g()]
    return D
class E:
    y = ",".join(g())
    z = max(len(v) for v in g())
    a, *b = g()
print(f(g()).x)
d = h()
print(d.y, d.z, d.w, d.a, d.b, d.inside, d.t)
print(E.y, E.z, E.a, E.b)

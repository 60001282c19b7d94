# flow: subscripts whose __getitem__, __setitem__, __delitem__ or __contains__ blocks, a dict subclass whose __missing__ blocks, in the order CPython evaluates them, and del of several targets
import time
class Grid:
    def __init__(s): s.d = {}
    def __getitem__(s, k): time.sleep(0); print("get", k); return s.d.get(k, 0)
    def __setitem__(s, k, v): time.sleep(0); print("set", k, v); s.d[k] = v
    def __delitem__(s, k): time.sleep(0); print("del", k); del s.d[k]
    def __contains__(s, k): time.sleep(0); return k in s.d
def key(k):
    print("key", k)
    return k
def val(v):
    print("val", v)
    return v
g = Grid()
g[key(1)] = val(5)
g[2] = g[1] * 2
print(g[1], g[2], 1 in g, 3 in g)
del g[1], g.d[2]
print(1 in g, g.d)
g[3] = 1; x = [0, 1]
del x[0], g[3]
print(x, g.d)
class D(dict):
    def __missing__(s, k):
        time.sleep(0)
        return k * 2
d = D(a=1)
print(d[4], d["a"], [d[i] for i in range(3)])
def total(grid, keys):
    return sum(grid[k] for k in keys)
g[5] = 5; g[6] = 6
print(total(g, [5, 6]))
try:
    del g[99]
except KeyError as e:
    print("KeyError", e)

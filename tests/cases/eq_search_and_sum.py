# flow: x in a list or tuple whose items' __eq__ blocks (searched as list_contains searches, the live list), and sum() whose __add__/__radd__ blocks (replayed over the items taken once), with start
import time
class V:
    def __init__(s, v): s.v = v
    def __eq__(s, o):
        time.sleep(0)
        print("eq", s.v, getattr(o, "v", o))
        return isinstance(o, V) and s.v == o.v
xs = [V(1), V(2), V(3)]
print(V(2) in xs, V(5) not in xs, V(1) in (V(0), V(1)), 3 in [1, 2, 3])
def has(items, v):
    return V(v) in items
print(has(xs, 3), has([], 1))
class N:
    def __init__(self, v): self.v = v
    def __add__(self, o):
        time.sleep(0)
        print("add", self.v)
        return N(self.v + (o.v if isinstance(o, N) else o))
    def __radd__(self, o):
        time.sleep(0)
        print("radd", self.v)
        return N(o + self.v)
    def __repr__(self): return f"N({self.v})"
print(sum([N(1), N(2), N(3)]), sum((N(i) for i in range(3)), N(10)), sum([1, 2]), sum([N(5)], start=N(1)))

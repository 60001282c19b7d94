# flow: comparisons, arithmetic, unary and in-place operators, truth tests (if, while, not, assert, conditional expressions, comprehension conditions, `and`/`or` in a test), len(), bool(), abs(), sorted/min/max/list.sort whose special methods block
import time

class V:
    def __init__(self, v):
        self.v = v
    def __lt__(self, other):
        time.sleep(0)
        return self.v < other.v
    def __eq__(self, other):
        time.sleep(0)
        return isinstance(other, V) and self.v == other.v
    def __repr__(self):
        return f"V({self.v})"

a, b = V(1), V(2)
print(a < b, a > b, a == b, a != b, a == V(1), a == 1, a != "x")
xs = [V(3), V(1), V(2)]
print(sorted(xs), min(xs), max(xs), sorted(xs, reverse=True))
xs.sort()
print(xs)
try:
    print(a <= b)
except TypeError as e:
    print("TypeError:", e)

class N:
    def __init__(self, v):
        self.v = v
    def __add__(self, other):
        time.sleep(0)
        return N(self.v + (other.v if isinstance(other, N) else other))
    def __radd__(self, other):
        time.sleep(0)
        return N(other + self.v)
    def __mul__(self, other):
        time.sleep(0)
        return NotImplemented
    def __neg__(self):
        time.sleep(0)
        return N(-self.v)
    def __abs__(self):
        time.sleep(0)
        return N(abs(self.v))
    def __repr__(self):
        return f"N({self.v})"

class M(N):
    def __radd__(self, other):
        time.sleep(0)
        return "M.__radd__ first"

x = N(1) + N(2)
x += 1
print(x, 3 + N(1), -N(2), abs(N(-5)), N(1) + M(1))
try:
    N(1) * 2
except TypeError as e:
    print("TypeError:", e)

class Box:
    def __init__(self, n):
        self.n = n
    def __len__(self):
        time.sleep(0)
        return self.n

class Flag:
    def __init__(self, b):
        self.b = b
    def __bool__(self):
        time.sleep(0)
        return self.b

print(len(Box(3)), bool(Box(0)), bool(Flag(True)))
if Box(2):
    print("nonempty")
if not Flag(False):
    print("not false")
if Flag(True) and Box(1):
    print("both")
print([f.b for f in [Flag(True), Flag(False)] if f], "y" if Box(1) else "n")
n = 3
while Box(n):
    n -= 1
print(n)
assert Flag(True), "never"

def count_down(box):
    steps = 0
    while box:
        box = Box(len(box) - 1)
        steps += 1
    return steps

print(count_down(Box(4)))

# flow: cmp_to_key: the comparisons CPython makes, in its order, exceptions included
import functools, random, time
calls = []
def compare(a, b):
    time.sleep(0)
    calls.append((a, b))
    if a == 13 and b == 7:
        raise ValueError("bad pair")
    return (a > b) - (a < b)
random.seed(3)
xs = [random.randrange(100) for _ in range(60)]
print(sorted(xs, key=functools.cmp_to_key(compare)) == sorted(xs), len(calls))
ys = list(xs); ys.sort(key=functools.cmp_to_key(compare), reverse=True)
print(ys == sorted(xs, reverse=True), len(calls))
print(min(xs, key=functools.cmp_to_key(compare)), max(xs, key=functools.cmp_to_key(compare)), len(calls))
h = hash(tuple(calls)); print(h)
try:
    sorted([7, 13], key=functools.cmp_to_key(compare))
except ValueError as e:
    print("caught", e)

import time

def slow(x):
    time.sleep(0.001)
    return x * x

xs = range(5)
print([slow(x) for x in xs])
print({slow(x) for x in xs if x % 2})
print({x: slow(x) for x in xs})
print(sum(slow(x) for x in xs))
print(any(slow(x) > 10 for x in xs), all(slow(x) > 10 for x in xs))
print(list(slow(x) for x in xs), tuple(slow(x) for x in xs))
print(sorted((slow(x) for x in xs), reverse=True), max(slow(x) for x in xs))
print(", ".join(str(slow(x)) for x in xs))

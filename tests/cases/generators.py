import time

def numbers(n):
    for i in range(n):
        time.sleep(0.001)
        yield i

def doubled(n):
    yield from numbers(n)
    yield 100

for x in numbers(3):
    print("for", x)
print(list(numbers(3)), sum(doubled(2)))
g = numbers(2)
print(next(g), next(g), next(g, "exhausted"))
try:
    next(g)
except StopIteration:
    print("StopIteration")
for i, v in enumerate(numbers(2), start=1):
    print("enum", i, v)

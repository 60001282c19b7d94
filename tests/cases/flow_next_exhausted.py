# flow: next() on an exhausted iterator inside a colored function raises StopIteration
import time

def first(it):
    time.sleep(0)
    return next(it)

try:
    first(iter([]))
except StopIteration:
    print("exhausted")
print(first(iter([1])))

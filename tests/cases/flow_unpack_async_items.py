# flow: unpacking, starred arguments and `in` over map() of a colored function
import time

def slow(x):
    time.sleep(0.001)
    return x * 3

first, *rest = map(slow, [1, 2, 3])
print(first, rest)
print(max(*map(slow, [4, 5])))
print(6 in map(slow, [1, 2]), 9 in map(slow, [3]))

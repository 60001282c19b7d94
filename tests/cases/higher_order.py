import functools
import time

def weight(x):
    time.sleep(0.001)
    return -x

data = [3, 1, 2]
print(sorted(data, key=weight))
print(min(data, key=weight), max(data, key=weight), max([], key=weight, default="none"))
print(list(map(weight, data)), list(filter(weight, [0, 1, 2])))
print(functools.reduce(lambda a, b: a + weight(b), data, 0))
data.sort(key=weight)
print(data)
for w in map(weight, data):
    print("mapped", w)

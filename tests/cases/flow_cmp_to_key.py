# flow: functools.cmp_to_key over a blocking comparison, for sorted and list.sort
import functools
import time

def compare(a, b):
    time.sleep(0)
    return (a > b) - (a < b)

print(sorted([3, 1, 2], key=functools.cmp_to_key(compare)))
xs = [5, 4, 6]
xs.sort(key=functools.cmp_to_key(compare))
print(xs)

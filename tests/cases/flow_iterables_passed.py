# flow: a parameter that receives a blocking generator and iterates it
import time

def numbers(n):
    for i in range(n):
        time.sleep(0.001)
        yield i

def evens(src):
    for v in src:
        if v % 2 == 0:
            yield v

def total(src):
    s = 0
    for v in src:
        s += v
    return s

print(list(evens(numbers(7))), total(numbers(4)), total(evens(numbers(9))))

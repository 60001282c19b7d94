import functools
import time

@functools.lru_cache(maxsize=None)
def fib(n):
    time.sleep(0.001)
    return n if n < 2 else fib(n - 1) + fib(n - 2)

print(fib(15))
print(fib.cache_info())

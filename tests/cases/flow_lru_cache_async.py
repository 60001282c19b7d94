# flow: lru_cache and cache over blocking functions: results cached, never coroutines
import functools
import time

@functools.lru_cache(maxsize=None)
def fib(n):
    time.sleep(0)
    return n if n < 2 else fib(n - 1) + fib(n - 2)

@functools.cache
def square(n):
    time.sleep(0)
    return n * n

print(fib(20), fib.cache_info().hits > 0, square(9), square(9))

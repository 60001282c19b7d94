import functools
import time

def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        print("calling", fn.__name__)
        result = fn(*args, **kwargs)
        print("returned", result)
        return result
    return wrapper

@logged
def fetch(x):
    time.sleep(0.01)
    return x + 1

@logged
def plain(x):
    return x * 2

print(fetch(1), plain(2), fetch.__name__)

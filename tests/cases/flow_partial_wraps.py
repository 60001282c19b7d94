# flow: functools.partial and wraps around colored functions
import functools
import time

def power(base, exp):
    time.sleep(0)
    return base ** exp

square = functools.partial(power, exp=2)

def logged(f):
    @functools.wraps(f)
    def wrapper(*a, **k):
        time.sleep(0)
        return f(*a, **k)
    return wrapper

@logged
def add(a, b):
    return a + b

print(square(7), add(2, 3), add.__name__)

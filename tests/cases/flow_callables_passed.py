# flow: a colored function passed as an argument (positional, keyword, *args) and called there
import time

def slow_double(x):
    time.sleep(0.001)
    return 2 * x

def apply(f, x):
    return f(x)

def apply_kw(x, *, fn):
    return fn(x)

def apply_star(f, *args):
    return f(*args)

def chain(f, x):
    return apply(f, x)

class Runner:
    def run(self, callback, value):
        return callback(value)

print(apply(slow_double, 1), apply_kw(2, fn=slow_double), apply_star(slow_double, 3), chain(slow_double, 4))
print(Runner().run(slow_double, 5))
print(apply(lambda v: slow_double(v) + 1, 6))

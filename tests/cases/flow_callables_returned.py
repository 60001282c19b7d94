# flow: colored functions returned from functions and yielded by generators
import time

def slow(x):
    time.sleep(0.001)
    return x * 10

def pick(fast):
    if fast:
        return lambda x: x
    return slow

def gen_funcs():
    yield slow
    yield abs

print(pick(False)(2), pick(True)(2), [f(-3) for f in gen_funcs()])

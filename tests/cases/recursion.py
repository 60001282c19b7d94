import time

def countdown(n):
    if n == 0:
        time.sleep(0.01)
        return "liftoff"
    return countdown(n - 1)

def is_even(n):
    if n == 0:
        time.sleep(0)
        return True
    return is_odd(n - 1)

def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)

print(countdown(3), is_even(4), is_odd(3), is_even(3))

# flow: decorators whose own body blocks as they decorate
import time

# Decorators whose own body blocks when they decorate.
def register(f):
    time.sleep(0.001)
    print("registering", f.__name__)
    return f

def tagged(label):
    time.sleep(0.001)
    def deco(f):
        time.sleep(0.001)
        f.label = label
        return f
    return deco

def replacing(f):
    time.sleep(0.001)
    def other(*args):
        time.sleep(0.001)
        return ("replaced", f(*args))
    return other

audit = register

@register
def plain():
    return "plain"

@tagged("x")
@register
def stacked():
    return "stacked"

@audit
def assigned():
    return "assigned"

@replacing
def changed(n):
    return n * 2

def outer():
    @tagged("inner")
    def nested():
        return "nested"
    return nested

print(plain(), stacked(), stacked.label, assigned(), changed(21))
n = outer()
print(n(), n.label)


# a decorator that blocks over a function that blocks too
def slow_part():
    time.sleep(0)
    return "slow part"


@register
def both_block():
    return slow_part()


def in_function():
    @tagged("inner")
    @register
    def inner():
        return slow_part() + " inside"

    return inner()


print(both_block(), in_function(), both_block.__code__.co_firstlineno == both_block.__code__.co_firstlineno)

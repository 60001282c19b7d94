# flow: cmp_to_key: the comparisons this interpreter makes, in its order, exceptions included
import functools
import random
import time

def plain(calls):
    def compare(a, b):
        calls.append((a, b))
        if (a, b) == (13, 7):
            raise ValueError("bad pair")
        return (a > b) - (a < b)
    return compare

def blocking(calls):
    def compare(a, b):
        time.sleep(0)
        calls.append((a, b))
        if (a, b) == (13, 7):
            raise ValueError("bad pair")
        return (a > b) - (a < b)
    return compare

def run(make):
    calls = []
    key = functools.cmp_to_key(make(calls))
    random.seed(3)
    xs = [random.randrange(100) for _ in range(60)]
    out = [sorted(xs, key=key)]
    ys = list(xs)
    ys.sort(key=key, reverse=True)
    out += [ys, min(xs, key=key), max(xs, key=key)]
    try:
        sorted([7, 13], key=key)
    except ValueError as e:
        out.append(f"caught {e}")
    return out, calls

expected, expected_calls = run(plain)
got, got_calls = run(blocking)
print(got == expected, got[0] == sorted(got[0]), got[-1])
print("same comparisons, same order:", got_calls == expected_calls, len(got_calls) > 600)

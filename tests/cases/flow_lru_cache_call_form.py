# flow: functools' caches applied by a call rather than as a decorator, over functions that block: lru_cache(maxsize=...)(f), lru_cache(f), cache(f), and kept in a dict
import functools, time

calls = []


def slow_square(x):
    time.sleep(0.01)
    calls.append(x)
    return x * x


cached = functools.lru_cache(maxsize=8)(slow_square)
print(cached(3), cached(3), cached(4), cached.cache_info())
plain = functools.lru_cache(slow_square)
print(plain(5), plain(5), plain.cache_info().hits)
forever = functools.cache(slow_square)
print(forever(6) + forever(6), calls)
table = {"sq": functools.lru_cache(maxsize=None)(slow_square)}
print([table["sq"](i) for i in (1, 1, 2)], table["sq"].cache_info().misses)
cached.cache_clear()
print(cached(3), calls.count(3))


def make_cached(fn):
    return functools.lru_cache(maxsize=2)(fn)


def slow_inc(x):
    time.sleep(0)
    return x + 1


inc = make_cached(slow_inc)
print(sum(inc(i % 3) for i in range(9)), inc.cache_info().hits)

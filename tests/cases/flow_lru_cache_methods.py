# flow: lru_cache on a method: maxsize, cache_info, errors not cached, signature
import functools, time, inspect
calls = 0
class Repo:
    @functools.lru_cache(maxsize=2)
    def load(self, key):
        global calls
        calls += 1
        time.sleep(0)
        if key == "bad":
            raise KeyError(key)
        return key.upper()

    def __hash__(self):
        return 1

r = Repo()
print(r.load("a"), r.load("a"), r.load("b"), r.load("c"), r.load("a"), calls)
print(Repo.load.cache_info())
for _ in range(2):
    try:
        r.load("bad")
    except KeyError as e:
        print("KeyError", e, calls)
print(inspect.signature(Repo.load), Repo.load.__name__, Repo.load.__wrapped__.__name__)
Repo.load.cache_clear(); print(Repo.load.cache_info().currsize)

@functools.cache
def fact(n):
    time.sleep(0)
    return 1 if n < 2 else n * fact(n - 1)
print(sorted([3, 1, 2], key=fact), list(map(fact, [4, 5])), fact.cache_info().misses)

# flow: decorators that decorate themselves, so that wrappers wrap each other in a cycle (a stack overflow the fuzzer found); analysed, never run
import time, asyncio, sys, functools, contextlib
if __name__ == "never":
    _deco = functools.lru_cache(maxsize=None)
    def _deco(f):
        return f
    _deco = contextlib.contextmanager
    @_deco
    def _deco(f):
        @_deco
        @_deco
        @_deco
        def asyncio(*a, **k):
            return f(*a, **k)
    class _WorkItem(object):
        @_deco
        def __init_subclass__(self, future, fn, args, kwargs):
            self.kwargs = kwargs
def slow():
    time.sleep(0)
    return "analysed"
print(slow())

# flow: a colored function lets out a StopIteration it raises again (bare raise, raise e) or gets from a library's throw(), and its caller catches it as StopIteration, not as PEP 479's RuntimeError
import time
from collections.abc import Generator


def passes_on(step):
    time.sleep(0)
    try:
        return step()
    except StopIteration:
        print("  seen, passed on")
        raise


def kept_then_raised(step):
    time.sleep(0)
    error = None
    try:
        step()
    except StopIteration as e:
        error = e
    raise error


class Minimal(Generator):
    def send(self, value):
        return value

    def throw(self, typ, val=None, tb=None):
        time.sleep(0)
        super().throw(typ, val, tb)


for f in (passes_on, kept_then_raised):
    try:
        f(iter([]).__next__)
    except StopIteration:
        print(f.__name__, "-> StopIteration")
    except RuntimeError as e:
        print(f.__name__, "-> RuntimeError", e)

try:
    Minimal().throw(StopIteration("stop"))
except StopIteration as e:
    print("throw -> StopIteration", e)
except RuntimeError as e:
    print("throw -> RuntimeError", e)

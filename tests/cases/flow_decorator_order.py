# flow: stacked decorator factories that block: their expressions run top to bottom, then they apply bottom up, as in CPython
import time

def tagged(tag):
    time.sleep(0)
    print("making", tag)
    def deco(func):
        time.sleep(0)
        print("applying", tag, "to", func.__name__)
        def wrapper(*args):
            return f"{tag}({func(*args)})"
        wrapper.__name__ = f"{tag}_{func.__name__}"
        return wrapper
    return deco

def plain(func):
    print("plain applies to", func.__name__)
    return func

@tagged("outer")
@plain
@tagged("inner")
def work():
    return "work"

print(work(), work.__name__)

def run():
    @tagged("local")
    @tagged("first")
    def get(x):
        return x
    return get("value")

print(run())

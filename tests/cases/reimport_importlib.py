# flow: a program that takes importlib out of sys.modules and imports it again (test.support's import_fresh_module), with pyrun's finder on sys.meta_path
import sys, time, importlib, importlib.util

names = [n for n in sys.modules if n == "importlib" or n.startswith("importlib.")]
saved = {n: sys.modules.pop(n) for n in names}
import importlib
import importlib.util
print("fresh importlib:", importlib is not saved["importlib"])
print(importlib.import_module("json").dumps([1, 2]))
sys.modules.update(saved)

# with the frozen bootstrap modules blocked, as import_fresh_module(blocked=...) does
del sys.modules["importlib"]
blocked = {n: sys.modules[n] for n in ("_frozen_importlib", "_frozen_importlib_external")}
for n in blocked:
    sys.modules[n] = None
try:
    import importlib as again
    print("imported again:", again is not saved["importlib"])
finally:
    sys.modules.update(blocked)
    sys.modules.update(saved)


def later():
    time.sleep(0)
    import colorsys
    return colorsys.rgb_to_hsv(1, 0, 0)


print(later())

# Modules whose bodies block, imported every way Python allows: each body
# runs to its end, blocking included, before the importer goes on.
import importlib
import sys
import time

print("main: start")
import slow_body
print("main: after import slow_body", slow_body.READY)
from calls_colored import value
print("main: from calls_colored import value ->", value)
import pkg.sub as sub
print("main: import pkg.sub as sub ->", sub.NAME, sub is sys.modules["pkg.sub"])
dyn = importlib.import_module("dynamic")
print("main: importlib.import_module ->", dyn.NAME)
dunder = __import__("dunder")
print("main: __import__ ->", dunder.NAME)
pkg_top = __import__("pkg.sub")
print("main: __import__('pkg.sub') returns", pkg_top.__name__)

# Already loaded: no body runs again.
import slow_body
from calls_colored import value as again
print("main: second imports", slow_body.READY, again)
print("main: modules", sorted(m for m in sys.modules if m in {"slow_body", "calls_colored", "pkg", "pkg.sub", "dynamic", "dunder"}))


def later():
    import late
    return late.NAME


print("main: import inside a function ->", later())

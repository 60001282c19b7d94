# What failing imports raise, word for word as CPython says it, both where
# pyrun awaits the import (blocking.py blocks when imported) and where it
# leaves a plain import.
import importlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def show(what, action):
    try:
        action()
    except ImportError as e:
        text = str(e).replace(HERE, "<dir>")
        path = e.path.replace(HERE, "<dir>") if e.path else e.path
        print(f"{what}: {type(e).__name__}: {text} | name={e.name!r} path={path!r}")
    except (TypeError, ValueError) as e:
        print(f"{what}: {type(e).__name__}: {e}")
    else:
        print(f"{what}: no error")


import blocking  # noqa: E402

show("missing module", lambda: importlib.import_module("no_such_module"))
show("missing submodule", lambda: importlib.import_module("blocking_pkg.missing"))
show("module is not a package", lambda: importlib.import_module("blocking.sub"))
show("missing name", lambda: __import__("blocking", fromlist=["nothing_here"]) and exec("from blocking import nothing_here"))
show("relative without a package", lambda: importlib.import_module(".sibling"))
show("empty name", lambda: importlib.import_module(""))
show("relative beyond the top", lambda: importlib.import_module("..x", "blocking_pkg"))
show("from-import of a missing name", lambda: exec("from blocking_pkg import nope", {}))
show("plain: missing name", lambda: exec("from plain.mod import nope", {}))

try:
    from blocking import nothing_here  # noqa: F401
except ImportError as e:
    print("statement:", str(e).replace(HERE, "<dir>"))
try:
    import no_such_module_either  # noqa: F401
except ModuleNotFoundError as e:
    print("statement:", e, e.name)
try:
    from . import sibling  # noqa: F401
except ImportError as e:
    print("statement:", e)
try:
    import blocking.sub  # noqa: F401
except ModuleNotFoundError as e:
    print("statement:", e)
try:
    from blocking_pkg import missing_sub  # noqa: F401
except ImportError as e:
    print("statement:", str(e).replace(HERE, "<dir>"))

import blocking_pkg.fails  # noqa: E402,F401

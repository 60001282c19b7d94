# Packages as CPython sees them: __init__ files, namespace packages,
# relative imports and submodules, and the module attributes import sets.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def rel(path):
    return os.path.relpath(path, HERE) if path else path


import app
from app.core import engine
import nspkg.part.leaf
from nspkg.part import leaf as same_leaf

print("app.VERSION", app.VERSION, "engine.run()", engine.run())
print("app.core.engine is engine:", app.core.engine is engine)
print("leaf:", nspkg.part.leaf.describe(), same_leaf is nspkg.part.leaf)

for name in ["app", "app.core", "app.core.engine", "app.util", "nspkg", "nspkg.part", "nspkg.part.leaf"]:
    m = sys.modules[name]
    spec = m.__spec__
    path = getattr(m, "__path__", None)
    print(
        name,
        "| __name__", m.__name__,
        "| __package__", m.__package__,
        "| __file__", rel(getattr(m, "__file__", None)),
        "| __path__", [rel(p) for p in path] if path is not None else None,
        "| spec", spec.name, rel(spec.origin) if spec.origin else spec.origin, spec.parent,
        spec.has_location, [rel(p) for p in spec.submodule_search_locations] if spec.submodule_search_locations is not None else None,
    )

print("__main__:", __name__, __package__, __spec__, rel(__file__))
print("app.core.engine main block ran:", engine.MAIN_BLOCK_RAN)
print("dir(app.core) has engine:", "engine" in dir(app.core))

import importlib
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
names = ["alpha", "beta"]
for name in names:
    mod = importlib.import_module(f"plugins.{name}")
    print(mod.run())

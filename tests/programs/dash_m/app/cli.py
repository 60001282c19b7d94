import os
import sys

from .util import slow_upper

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
print("cli: __name__", __name__, "__package__", __package__, "__spec__.name", __spec__.name)
print("cli: argv", [os.path.relpath(sys.argv[0], here)] + sys.argv[1:])
print("cli: sys.path[0] is the cwd:", sys.path[0] == os.getcwd())
print("cli:", " ".join(slow_upper(a) for a in sys.argv[1:]))
print("cli: app.cli in sys.modules:", "app.cli" in sys.modules, "__main__" in sys.modules)

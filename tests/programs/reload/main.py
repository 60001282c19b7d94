# importlib.reload re-runs a module's body (blocking included), and picks up
# an edited file: pyrun's cache of rewritten code follows the file.
import importlib
import os
import sys
import tempfile

work = tempfile.mkdtemp()
sys.path.insert(0, work)
target = os.path.join(work, "settings.py")

VERSION_1 = """
import time
print("settings: loading v1")
time.sleep(0.01)
LEVEL = 1
def level():
    time.sleep(0.01)
    return LEVEL
"""
VERSION_2 = VERSION_1.replace("v1", "v2, edited").replace("LEVEL = 1", "LEVEL = 22")

with open(target, "w") as f:
    f.write(VERSION_1)
import settings  # noqa: E402

print("main: level", settings.level())
first = settings.level
again = importlib.reload(settings)
print("main: reload returns the same module:", again is settings, "level", settings.level())

with open(target, "w") as f:
    f.write(VERSION_2)
importlib.invalidate_caches()
importlib.reload(settings)
print("main: after edit, level", settings.level(), "old function still", first())
import counter  # noqa: E402

importlib.reload(counter)
importlib.reload(counter)
print("main: counter body ran", counter.RUNS, "times")

"""Runs a program under CPython inside the selection's sandbox (sandbox.py):
python3 audited.py LOG PROGRAM [ARGV...]. LOG gets what the program tried
to start and was stopped from starting (thread, process, socket), a JSON
list of [what, TestCase class or null]."""
import json
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402

log_path, program = sys.argv[1], sys.argv[2]
del sys.path[0]
stopped = sandbox.guard()
sys.argv = sys.argv[2:]
sys.path[0] = os.path.dirname(os.path.abspath(program))
try:
    runpy.run_path(program, run_name="__main__")
finally:
    with open(log_path, "w") as f:
        json.dump(sorted(stopped, key=str), f)

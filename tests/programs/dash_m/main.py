# argv: -m app.cli first second
# `pyrun -m app.cli` runs app/cli.py as __main__ through the import hook:
# its relative imports, and the blocking of the package it lives in.

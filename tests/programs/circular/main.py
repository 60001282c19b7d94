# Circular imports: a module sees the other partially initialised, exactly
# as in CPython, while both bodies block.
import alpha

print("main: alpha.combined() ->", alpha.combined())
print("main: beta saw alpha's EARLY:", alpha.beta.SEEN_EARLY)

try:
    import gamma  # gamma imports delta, which wants a name gamma defines later
except ImportError as e:
    print("main: ImportError:", str(e).replace(__file__.rsplit("/", 1)[0], "<dir>"))
    print("main: name/path:", e.name, e.path.rsplit("/", 1)[1] if e.path else e.path)
import sys

print("main: gamma left in sys.modules:", "gamma" in sys.modules, "delta" in sys.modules)

import sys

name = sys.argv[1] if len(sys.argv) > 1 else "world"
print(f"Hello, {name}, from Python {sys.version.split()[0]} on {sys.platform}!")

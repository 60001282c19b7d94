"""Writes corpora of real Python for the transform's sanitizer runs.

    python3.11 corpus.py sweep DIR   every program of tests/cases and
        tests/programs, and every module of Pyodide's standard library
        that Python 3.11 compiles, each twice: as written, and with
        `time.sleep(0)` put at the start of every function and method, so
        that the analysis colors and the rewrite rewrites nearly all of it.
    python3.11 corpus.py seeds DIR [N [SEED]]   small seeds for the
        fuzzers: the same programs, and top-level defs and classes of the
        standard library with the module's imports, up to 4 KB each; N of
        them at random (all when N is absent), drawn with SEED.

Nothing here is kept: the corpus is made from what is installed, at test
time."""
import ast
import hashlib
import os
import random
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STDLIB_ZIP = os.path.join(ROOT, "node_modules", "pyodide", "python_stdlib.zip")
SEED_LIMIT = 4096


def own_programs():
    for sub in ("tests/cases", "tests/programs"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, sub)):
            for name in sorted(files):
                if name.endswith(".py"):
                    with open(os.path.join(dirpath, name), "rb") as f:
                        yield os.path.relpath(os.path.join(dirpath, name), ROOT), f.read()


def stdlib_modules():
    with zipfile.ZipFile(STDLIB_ZIP) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".py"):
                source = z.read(name)
                try:
                    compile(source, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                except (SyntaxError, ValueError):
                    continue  # newer syntax than 3.11's
                yield "stdlib/" + name, source


class BlockEverywhere(ast.NodeTransformer):
    """time.sleep(0) first in every def (after its docstring)."""

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        at = 1 if ast.get_docstring(node, clean=False) is not None else 0
        node.body.insert(at, ast.parse("__pyrun_fuzz_time.sleep(0)").body[0])
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def blocking_variant(source):
    tree = ast.parse(source)
    BlockEverywhere().visit(tree)
    at = 0
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            at = 1
        elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
            at = i + 1
        else:
            break
    tree.body.insert(at, ast.parse("import time as __pyrun_fuzz_time").body[0])
    try:
        return ast.unparse(ast.fix_missing_locations(tree)).encode()
    except RecursionError:
        return None


def top_level_pieces(source):
    tree = ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    head = ast.unparse(ast.Module(body=imports, type_ignores=[]))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            text = (head + "\n" + ast.unparse(node)).encode()
            if len(text) <= SEED_LIMIT:
                yield text


def write(directory, label, data):
    digest = hashlib.sha1(data).hexdigest()[:12]
    safe = label.replace("/", "_")[-80:]
    with open(os.path.join(directory, f"{safe}-{digest}.py"), "wb") as f:
        f.write(data)


def sweep():
    for label, source in list(own_programs()) + list(stdlib_modules()):
        yield label, source
        blocking = blocking_variant(source)
        if blocking is not None:
            yield label + ".blocking", blocking


def seeds():
    for label, source in own_programs():
        if len(source) <= SEED_LIMIT * 4:
            yield label, source
    for label, source in stdlib_modules():
        for piece in top_level_pieces(source):
            yield label, piece


def main(kind, directory, sample=None, seed="0"):
    os.makedirs(directory, exist_ok=True)
    programs = list(sweep() if kind == "sweep" else seeds())
    if sample is not None:
        programs = random.Random(seed).sample(programs, min(int(sample), len(programs)))
    for label, source in programs:
        write(directory, label, source)
    print(len(programs))


if __name__ == "__main__":
    main(*sys.argv[1:])

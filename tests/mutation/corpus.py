"""The mutation tester's corpus, generated from code nobody on the team wrote.

Sources (read at test time; nothing of them is committed):
  stdlib:NAME  a pure-Python module of Pyodide's own standard library, read
               from node_modules/pyodide/python_stdlib.zip. It is written
               next to the program as `stdlib_NAME.py`: under another name,
               because pyrun's own start-up (asyncio) has already imported
               many stdlib modules (heapq, inspect, textwrap...), which a file
               of the same name next to the script would not replace.
  cpython:NAME the same module from Debian's python3.11 (/usr/lib/python3.11),
               as `cpython_NAME.py`, for the modules whose Pyodide file does
               not run under CPython 3.11 (Pyodide 314 ships 3.14's stdlib).
  test:NAME    a module of CPython's test suite, /usr/lib/python3.11/test
               (Debian's libpython3.11-testsuite), written as `NAME.py`.

Both kinds of driver seed `random` with 0 first (as PYTHONHASHSEED=0 fixes
str hashes): tests that draw random data then run the same way every time.

Program kinds:
  doctest   a driver script made from the module's doctests: every example in
            order, one DocTest after another, each in a try/except that prints
            the exception, and each expression statement shown as doctest
            shows it (its repr when not None). The examples' own functions and
            classes are mutated too. The driver imports every global name of
            the (mutated) module, so the examples see what doctest shows them.
  unittest  the mutated test module's TestCase classes, each run by
            unittest.TextTestRunner(verbosity=2) as `python -m unittest -v`
            runs it.

A unittest program is one TestCase class of the module, or the whole module
when it has load_tests(). The classes of one module run in one process, one
after another as unittest runs them, with a line between them (SEGMENT).

python3 corpus.py build KIND SOURCE OUTDIR writes OUTDIR/{none,plain,methods}/
(`none` is the unmutated program), each with main.py, and OUTDIR/meta.json:
what was mutated, and for doctests whether CPython's doctest passes (run in
the selection's sandbox: a doctest that would start a thread, a process or
a socket is stopped first).
python3 corpus.py candidates ZIP lists every candidate program as JSON."""
import ast
import contextlib
import doctest
import io
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402
import sandbox  # noqa: E402

LIBRARY = "/usr/lib/python3.11"
TESTSUITE = "/usr/lib/python3.11/test"
ZIP = os.environ.get("MUTATION_STDLIB_ZIP") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "../../node_modules/pyodide/python_stdlib.zip"
)
VARIANTS = ("none",) + mutate.VARIANTS


def read_source(source):
    """(module name to write, original module name, source text)."""
    origin, name = source.split(":", 1)
    if origin == "stdlib":
        with zipfile.ZipFile(ZIP) as z:
            names = set(z.namelist())
            member = f"{name}.py" if f"{name}.py" in names else f"{name}/__init__.py"
            text = z.read(member).decode("utf-8")
        return f"stdlib_{name}", name, text
    if origin == "cpython":
        path = os.path.join(LIBRARY, f"{name}.py")
        if not os.path.exists(path):
            path = os.path.join(LIBRARY, name, "__init__.py")
        with open(path, encoding="utf-8") as f:
            return f"cpython_{name}", name, f.read()
    if origin == "test":
        with open(os.path.join(TESTSUITE, f"{name}.py"), encoding="utf-8") as f:
            return name, name, f.read()
    raise ValueError(f"unknown source {source!r}")


def _has_examples(text):
    return ">>>" in text


def _relative_imports(tree):
    return any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))


def _module_name(member):
    """A top-level module or package of a stdlib tree, or None."""
    parts = member.split("/")
    if len(parts) == 1 and member.endswith(".py"):
        return member[:-3]
    if len(parts) == 2 and parts[1] == "__init__.py" and parts[0] != "test":
        return parts[0]
    return None


def _doctest_candidate(origin, name, text):
    if not _has_examples(text):
        return None
    try:
        if _relative_imports(ast.parse(text)):
            return None  # a package's __init__ that needs its package
    except SyntaxError:
        return None  # newer syntax than 3.11's
    return {"kind": "doctest", "source": f"{origin}:{name}"}


# Modules with doctests that must not even be imported by the corpus.
UNSAFE = {"antigravity": "opens a web browser when imported"}


def candidates(zip_path=ZIP):
    """Every program the selection considers, in a stable order; those in
    UNSAFE carry the reason they are not even tried."""
    out = []
    with zipfile.ZipFile(zip_path) as z:
        for member in sorted(z.namelist()):
            name = _module_name(member)
            if name:
                out.append(_doctest_candidate("stdlib", name, z.read(member).decode("utf-8", "replace")))
    for member in sorted(os.listdir(LIBRARY)):
        path = os.path.join(LIBRARY, member)
        if os.path.isdir(path):
            member = f"{member}/__init__.py"
            path = os.path.join(path, "__init__.py")
        name = _module_name(member)
        if name and os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as fh:
                out.append(_doctest_candidate("cpython", name, fh.read()))
    out = [c for c in out if c]
    for f in sorted(os.listdir(TESTSUITE)):
        if not (f.startswith("test_") and f.endswith(".py")):
            continue
        name = f[:-3]
        with open(os.path.join(TESTSUITE, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        out.append({"kind": "unittest", "source": f"test:{name}"})
        if _has_examples(text):
            out.append({"kind": "doctest", "source": f"test:{name}"})
    for c in out:
        c["id"] = f"{c['kind']}/{c['source'].replace(':', '/')}"
        name = c["source"].split(":", 1)[1]
        if name in UNSAFE:
            c["unsafe"] = UNSAFE[name]
    return out


# ---------------------------------------------------------------- doctests

class _ShowExpressions(ast.NodeTransformer):
    """What doctest's 'single' mode does to expression statements outside
    functions and classes: show the value's repr when it is not None."""

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def visit_Expr(self, node):
        show = ast.parse("_mut_v = None\nif _mut_v is not None:\n    print(repr(_mut_v))").body
        show[0].value = node.value
        return show


def _example_block(source, label, variant):
    """The statements of one example, mutated, shown and guarded; None when
    the example does not compile on its own (doctests of syntax errors)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if variant != "none":
        mutate.mutate_tree(tree, label, variant)
    tree = _ShowExpressions().visit(tree)
    guard = ast.parse(
        "try:\n    pass\nexcept BaseException as _mut_e:\n"
        "    print('!!', type(_mut_e).__name__ + ':', _mut_e)"
    ).body[0]
    guard.body = tree.body or [ast.Pass()]
    module = ast.fix_missing_locations(ast.Module(body=[guard], type_ignores=[]))
    try:
        compile(module, "<example>", "exec")
    except SyntaxError:
        return None
    return ast.unparse(module)


def _find_doctests(modname, directory):
    stopped = sandbox.guard()
    sys.path.insert(0, directory)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            module = __import__(modname)
            tests = doctest.DocTestFinder(exclude_empty=True).find(module)
            runner = doctest.DocTestRunner(verbose=False)
            for t in tests:
                runner.run(t, out=lambda s: None)
        tests.sort(key=lambda t: t.name)
        names = sorted(k for k in vars(module) if not (k.startswith("__") and k.endswith("__")))
        return tests, names, runner.summarize(verbose=False), stopped
    finally:
        sys.path.remove(directory)


def _doctest_driver(modname, label, tests, names, variant):
    lines = [
        "# Generated by tests/mutation/corpus.py: the doctests of a module, as a script.",
        "import sys as _mut_sys",
        "import time as _mut_time",
        "import random as _mut_random",
        "_mut_random.seed(0)",
    ]
    if names:
        lines.append(f"from {modname} import (" + ", ".join(names) + ")")
    examples = skipped = 0
    for t in tests:
        lines.append(f"print({('=== ' + t.name)!r})")
        for ex in t.examples:
            if ex.options.get(doctest.SKIP, False):
                continue  # doctest does not run it either
            block = _example_block(ex.source, f"{label}[doctest]", variant)
            if block is None:
                skipped += 1
                continue
            examples += 1
            lines.append(block)
    return "\n".join(lines) + "\n", examples, skipped


# ---------------------------------------------------------------- unittest

SEGMENT = "@@@ mutation: "  # the line between two TestCase classes, on stdout and stderr


def _unittest_driver(modname, load_tests):
    default = '["*"]' if load_tests else (
        f"sorted(n for n in dir({modname}) if isinstance(getattr({modname}, n), type) "
        f"and issubclass(getattr({modname}, n), _mut_unittest.TestCase))"
    )
    return f"""\
# Generated by tests/mutation/corpus.py: runs the TestCase classes named in
# sys.argv (else every one of the module; "*" is the whole module, through
# its load_tests), each as `python -m unittest -v {modname}.CLASS` runs it,
# with a line between them on stdout and on stderr.
import random as _mut_random
import sys as _mut_sys
import unittest as _mut_unittest
_mut_random.seed(0)
import {modname}
_mut_loader = _mut_unittest.TestLoader()
_mut_failed = False
for _mut_class in _mut_sys.argv[1:] or {default}:
    print({SEGMENT!r} + _mut_class)
    print({SEGMENT!r} + _mut_class, file=_mut_sys.stderr)
    if _mut_class == "*":
        _mut_suite = _mut_loader.loadTestsFromModule({modname})
    else:
        _mut_suite = _mut_loader.loadTestsFromName(_mut_class, {modname})
    _mut_result = _mut_unittest.TextTestRunner(verbosity=2).run(_mut_suite)
    _mut_failed = _mut_failed or not _mut_result.wasSuccessful()
_mut_sys.exit(1 if _mut_failed else 0)
"""


def _top_level_names(text):
    names = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def build(kind, source, outdir):
    modname, label, text = read_source(source)
    meta = {"kind": kind, "source": source, "module": modname}
    plain = os.path.join(outdir, "none")
    os.makedirs(plain, exist_ok=True)
    with open(os.path.join(plain, f"{modname}.py"), "w", encoding="utf-8") as f:
        f.write(text)
    if kind == "doctest":
        tests, names, (failed, attempted), stopped = _find_doctests(modname, plain)
        meta.update(doctests=len(tests), attempted=attempted, failed=failed, stopped=sorted({what for what, _ in stopped}))
    for variant in VARIANTS:
        d = os.path.join(outdir, variant)
        os.makedirs(d, exist_ok=True)
        if variant != "none":
            mutated, counts = mutate.mutate_source(text, label, variant, f"{modname}.py")
            meta[variant] = counts
            with open(os.path.join(d, f"{modname}.py"), "w", encoding="utf-8") as f:
                f.write(mutated)
        if kind == "doctest":
            driver, examples, skipped = _doctest_driver(modname, label, tests, names, variant)
            meta.update(examples=examples, skipped_examples=skipped)
        else:
            meta["load_tests"] = "load_tests" in _top_level_names(text)
            driver = _unittest_driver(modname, meta["load_tests"])
        with open(os.path.join(d, "main.py"), "w", encoding="utf-8") as f:
            f.write(driver)
    return meta


def main():
    command = sys.argv[1]
    if command == "build":
        kind, source, outdir = sys.argv[2:5]
        meta = build(kind, source, outdir)
        with open(os.path.join(outdir, "meta.json"), "w") as f:
            json.dump(meta, f)
    elif command == "candidates":
        print(json.dumps(candidates(*sys.argv[2:3]), indent=1))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()

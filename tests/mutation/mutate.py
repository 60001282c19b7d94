"""The mutation: a blocking call and a trace line at the start of functions.

mutate_source(source, module, variant) returns the source with, at the start
of every function the variant selects (after its docstring):

    _mut_time.sleep(0)
    print("> module:qualname", file=_mut_sys.__stdout__)

variant "plain": every function that is not a method (module level, nested
in functions, nested in methods); "methods": every function, methods of any
kind included (dunders, properties, static and class methods). The
qualname is CPython's __qualname__ of the function. `async def` gets the
trace only: a time.sleep in a coroutine blocks the loop under CPython, and
pyrun turning it into an await would change which task runs when. Lambdas
are left alone.

The trace goes to sys.__stdout__ so that a test capturing sys.stdout
(contextlib.redirect_stdout, support.captured_stdout) sees what it saw
before the mutation. The helper modules are imported under single-underscore
names: a double underscore would be mangled inside class bodies.

Only the `ast` module of the CPython running this is used, so the result is
what `ast.unparse` writes: comments go, line numbers change (both runs see
the same file)."""
import ast
import sys

TIME = "_mut_time"
SYS = "_mut_sys"
VARIANTS = ("plain", "methods")


def _is_docstring(stmt):
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _prologue(label, asynchronous):
    trace = f"print({label!r}, file={SYS}.__stdout__)"
    lines = [trace] if asynchronous else [f"{TIME}.sleep(0)", trace]
    return ast.parse("\n".join(lines)).body


class _Mutator(ast.NodeVisitor):
    """Walks the tree keeping CPython's qualname stack; counts what it did."""

    def __init__(self, module, variant):
        self.module = module
        self.variant = variant
        self.stack = []  # (name, kind) with kind "class" or "function"
        self.counts = {"functions": 0, "methods": 0, "async": 0, "skipped methods": 0}

    def _qualname(self, name):
        parts = []
        for outer, kind in self.stack:
            parts.append(outer)
            if kind == "function":
                parts.append("<locals>")
        return ".".join(parts + [name])

    def visit_ClassDef(self, node):
        self.stack.append((node.name, "class"))
        self.generic_visit(node)
        self.stack.pop()

    def _visit_function(self, node, asynchronous):
        is_method = bool(self.stack) and self.stack[-1][1] == "class"
        qualname = self._qualname(node.name)
        self.stack.append((node.name, "function"))
        self.generic_visit(node)
        self.stack.pop()
        if is_method and self.variant == "plain":
            self.counts["skipped methods"] += 1
            return
        self.counts["methods" if is_method else "functions"] += 1
        if asynchronous:
            self.counts["async"] += 1
        at = 1 if node.body and _is_docstring(node.body[0]) else 0
        node.body[at:at] = _prologue(f"> {self.module}:{qualname}", asynchronous)

    def visit_FunctionDef(self, node):
        self._visit_function(node, False)

    def visit_AsyncFunctionDef(self, node):
        self._visit_function(node, True)


def _import_point(body):
    """Index after the module docstring and `from __future__` imports."""
    at = 1 if body and _is_docstring(body[0]) else 0
    while at < len(body) and isinstance(body[at], ast.ImportFrom) and body[at].module == "__future__":
        at += 1
    return at


def mutate_tree(tree, module, variant, qualname_prefix=()):
    """Mutates a parsed module in place; returns the counts. qualname_prefix
    is the class/function stack the code sits in (none for a module)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    mutator = _Mutator(module, variant)
    mutator.stack = list(qualname_prefix)
    mutator.visit(tree)
    return mutator.counts


def imports_node():
    return ast.parse(f"import time as {TIME}\nimport sys as {SYS}").body


def mutate_source(source, module, variant, filename="<source>"):
    tree = ast.parse(source, filename)
    counts = mutate_tree(tree, module, variant)
    at = _import_point(tree.body)
    tree.body[at:at] = imports_node()
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n", counts


def main():
    # python3 mutate.py VARIANT MODULE_NAME < source > mutated
    variant, module = sys.argv[1:3]
    text, counts = mutate_source(sys.stdin.read(), module, variant)
    sys.stdout.write(text)
    print(counts, file=sys.stderr)


if __name__ == "__main__":
    main()

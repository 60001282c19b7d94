"""Structure-aware mutations for the transform's fuzzer.

The fuzz target (transform_fuzzer.c) calls mutate(data, seed) from
libFuzzer's custom mutator: the bytes are parsed as Python, changed at the
AST level in ways that exercise pyrun's analysis and rewrite (blocking
calls put into functions; code moved behind properties, dunders, lambdas,
comprehensions, decorators and class bodies; bindings renamed), and
unparsed again. Input that does not parse is left to libFuzzer's own byte
mutations. The result is meant to stay valid Python, so that whatever the
transform then does wrong shows as a crash, a sanitizer report, a leak or
output that does not compile."""
import ast
import random

BLOCKING = [
    "time.sleep(0)",
    "input()",
    "asyncio.run(asyncio.sleep(0))",
    "sys.stdin.readline()",
]
DUNDERS = ["__str__", "__repr__", "__len__", "__bool__", "__iter__", "__next__", "__eq__", "__lt__",
           "__hash__", "__call__", "__enter__", "__exit__", "__getitem__", "__contains__", "__init__",
           "__post_init__", "__init_subclass__", "__add__", "__format__"]
IMPORTS = "import time, asyncio, sys, functools, contextlib\n"


def functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def stmt_lists(tree):
    """Every list of statements in the tree, with its owner."""
    out = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                out.append((node, value))
    return out


def expressions(tree):
    """The expressions a mutation may replace by another: not the parts of
    an f-string (its text, its fields and their format specs), where only
    those node kinds may stand."""
    fstring_parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    fstring_parts |= {id(n.format_spec) for n in ast.walk(tree)
                      if isinstance(n, ast.FormattedValue) and n.format_spec is not None}
    return [n for n in ast.walk(tree) if isinstance(n, ast.expr) and not isinstance(n, (ast.Starred, ast.Slice))
            and isinstance(getattr(n, "ctx", ast.Load()), ast.Load) and id(n) not in fstring_parts]


def stmt(code):
    return ast.parse(code).body


def insert_blocking(tree, rnd):
    fns = functions(tree)
    body = rnd.choice(fns).body if fns and rnd.random() < 0.9 else rnd.choice(stmt_lists(tree))[1]
    body.insert(rnd.randrange(len(body) + 1), stmt(rnd.choice(BLOCKING))[0])


def make_property(tree, rnd):
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    methods = [f for c in classes for f in c.body if isinstance(f, ast.FunctionDef)]
    if methods:
        m = rnd.choice(methods)
        m.decorator_list.insert(0, ast.Name("property", ast.Load()))
        return
    tree.body.extend(stmt("class _P:\n    @property\n    def p(self):\n        time.sleep(0)\n        return 1\n"
                          "print(_P().p)\n"))


def make_dunder(tree, rnd):
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    methods = [f for c in classes for f in c.body if isinstance(f, ast.FunctionDef)]
    if methods:
        rnd.choice(methods).name = rnd.choice(DUNDERS)
        return
    name = rnd.choice(DUNDERS)
    tree.body.extend(stmt(f"class _D:\n    def {name}(self, *a):\n        time.sleep(0)\n        return 0\n"
                          "print(_D())\n"))


def wrap_expression(tree, rnd):
    """e -> (lambda: e)(), [e for _ in (0,)][0], next(e for _ in (0,)),
    or a call of a nested def returning it."""
    exprs = expressions(tree)
    if not exprs:
        return
    target = rnd.choice(exprs)
    how = rnd.randrange(4)
    src = ast.unparse(target)
    new = {
        0: f"(lambda: ({src}))()",
        1: f"[({src}) for _fz in (0,)][0]",
        2: f"next(({src}) for _fz in (0,))",
        3: f"(lambda _fz=({src}): _fz)()",
    }[how]
    replacement = ast.parse(new, mode="eval").body
    replace_node(tree, target, replacement)


def replace_node(tree, old, new):
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def add_decorator(tree, rnd):
    fns = functions(tree)
    if not fns:
        return
    kinds = [
        "def _deco(f):\n    return f\n",
        "def _deco(f):\n    time.sleep(0)\n    return f\n",
        "def _deco(f):\n    @functools.wraps(f)\n    def w(*a, **k):\n        time.sleep(0)\n        return f(*a, **k)\n"
        "    return w\n",
        "def _deco(f):\n    return lambda *a, **k: f(*a, **k)\n",
        "_deco = functools.lru_cache(maxsize=None)\n",
        "_deco = contextlib.contextmanager\n",
    ]
    tree.body.insert(0, stmt(rnd.choice(kinds))[0])
    rnd.choice(fns).decorator_list.insert(0, ast.Name("_deco", ast.Load()))


def rename_binding(tree, rnd):
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} |
                   {f.name for f in functions(tree)})
    if not names:
        return
    old = rnd.choice(names)
    new = rnd.choice(["sleep", "input", "run", "time", "asyncio", "f", "x", old + "_r", "self"])
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id == old:
            n.id = new
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == old:
            n.name = new
        elif isinstance(n, ast.arg) and n.arg == old:
            n.arg = new


def into_class_body(tree, rnd):
    lists = stmt_lists(tree)
    owner, body = rnd.choice(lists)
    i = rnd.randrange(len(body))
    moved = body[i]
    if isinstance(moved, (ast.Return, ast.Global, ast.Nonlocal, ast.Break, ast.Continue, ast.ImportFrom)):
        return
    body[i] = ast.parse("class _C:\n    pass\n").body[0]
    body[i].body = [moved]


def splice_function(tree, rnd):
    """Call one function from another: new call paths to color."""
    fns = [f for f in functions(tree) if isinstance(f, ast.FunctionDef)]
    if len(fns) < 2:
        return
    caller, callee = rnd.sample(fns, 2)
    args = ", ".join("None" for a in callee.args.args if a.arg not in ("self", "cls"))
    caller.body.insert(0, stmt(f"try:\n    {callee.name}({args})\nexcept Exception:\n    pass\n")[0])


def make_generator(tree, rnd):
    fns = [f for f in functions(tree) if isinstance(f, ast.FunctionDef)]
    if fns:
        rnd.choice(fns).body.insert(0, stmt("yield time.sleep(0)")[0])


MUTATIONS = [insert_blocking, insert_blocking, make_property, make_dunder, wrap_expression, add_decorator,
             rename_binding, into_class_body, splice_function, make_generator]


def mutate(data, seed):
    """Returns new source bytes, or None when data is not Python."""
    rnd = random.Random(seed)
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for _ in range(rnd.randint(1, 3)):
        try:
            rnd.choice(MUTATIONS)(tree, rnd)
        except (IndexError, ValueError, RecursionError, SyntaxError):
            pass
    add_imports(tree)
    try:
        text = ast.unparse(ast.fix_missing_locations(tree))
    except (RecursionError, ValueError, AttributeError, TypeError):
        return None
    return text.encode("utf-8", "surrogatepass")


def add_imports(tree):
    """The modules the mutations name, after the docstring and any
    `from __future__` import, unless already there."""
    at = 0
    for i, node in enumerate(tree.body):
        if (i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            at = 1
        elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
            at = i + 1
        else:
            break
    present = tree.body[at:at + 1]
    if present and ast.dump(present[0]) == ast.dump(stmt(IMPORTS)[0]):
        return
    tree.body[at:at] = stmt(IMPORTS)

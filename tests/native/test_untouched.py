"""Code that never reaches a blocking primitive is not touched: it compiles
to exactly the bytecode CPython produces, in a module where other code is
rewritten as much as in one where nothing is."""
import types
import unittest

import pyrun

MIXED = '''
import time

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

class Vector:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5
    def scaled(self, k):
        return Vector(self.x * k, self.y * k)

def pause():
    time.sleep(0.01)

def hot_loop(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total

squares = [x * x for x in range(10)]
'''


def code_objects(code):
    """Every code object of a module, by qualified name."""
    found = {}
    def walk(c):
        found[c.co_qualname] = c
        for k in c.co_consts:
            if isinstance(k, types.CodeType):
                walk(k)
    walk(code)
    return found


def same_code(a, b):
    return (a.co_code == b.co_code and a.co_names == b.co_names
            and a.co_varnames == b.co_varnames and a.co_linetable == b.co_linetable
            and a.co_exceptiontable == b.co_exceptiontable
            and [k for k in a.co_consts if not isinstance(k, types.CodeType)]
            == [k for k in b.co_consts if not isinstance(k, types.CodeType)])


class Untouched(unittest.TestCase):
    def test_a_program_that_never_blocks_compiles_as_cpython_compiles_it(self):
        source = MIXED.replace("time.sleep(0.01)", "pass")
        ours = code_objects(pyrun._compile(source, "m.py"))
        theirs = code_objects(compile(source, "m.py", "exec"))
        self.assertEqual(ours.keys(), theirs.keys())
        for name in theirs:
            self.assertTrue(same_code(ours[name], theirs[name]), name)

    def test_untouched_functions_of_a_rewritten_module_keep_their_bytecode(self):
        ours = code_objects(pyrun._compile(MIXED, "m.py"))
        theirs = code_objects(compile(MIXED, "m.py", "exec"))
        self.assertTrue(ours["pause"].co_flags & 0x80, "pause() should have become a coroutine")
        for name in ["fib", "Vector", "Vector.__init__", "Vector.norm", "Vector.scaled", "hot_loop"]:
            self.assertTrue(same_code(ours[name], theirs[name]), name)

    def test_transform_returns_untouched_source_unchanged(self):
        source = MIXED.replace("time.sleep(0.01)", "pass")
        self.assertEqual(pyrun.transform(source, "m.py"), (source, []))


if __name__ == "__main__":
    unittest.main()

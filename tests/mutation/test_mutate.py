"""The mutation itself, checked under CPython: every function the variant
selects traces its own __qualname__ first, after its docstring, and what it
computes is unchanged."""
import contextlib
import io
import os
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402

SOURCE = textwrap.dedent('''\
    """Module docstring."""
    from __future__ import annotations
    import functools

    def plain(x):
        """Doc."""
        def inner():
            return x + 1
        return inner()

    def gen(n):
        yield from range(n)

    async def coro():
        return 5

    square = lambda v: v * v

    class Box:
        """A box."""
        label = "box"

        def __init__(self, v):
            self.v = v

        @property
        def double(self):
            return 2 * self.v

        @staticmethod
        def make(v):
            return Box(v)

        def __repr__(self):
            def show():
                return f"Box({self.v})"
            return show()

        class Inner:
            def ping(self):
                return "pong"

    def run():
        import asyncio
        b = Box.make(3)
        return [plain(1), list(gen(2)), asyncio.run(coro()), square(4), b.double, repr(b), Box.Inner().ping(),
                plain.__doc__, Box.__doc__, __doc__]
    ''')


def execute(source):
    namespace = {"__name__": "sample"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        saved, sys.__stdout__ = sys.__stdout__, out
        try:
            exec(compile(source, "sample.py", "exec"), namespace)
            result = namespace["run"]()
        finally:
            sys.__stdout__ = saved
    traces = [line[len("> sample:"):] for line in out.getvalue().splitlines()]
    return result, traces


class Mutation(unittest.TestCase):
    def test_results_unchanged(self):
        expected, _ = execute(SOURCE)
        for variant in mutate.VARIANTS:
            with self.subTest(variant=variant):
                mutated, _ = mutate.mutate_source(SOURCE, "sample", variant)
                self.assertEqual(execute(mutated)[0], expected)

    def test_plain_traces_functions_not_methods(self):
        mutated, counts = mutate.mutate_source(SOURCE, "sample", "plain")
        _, traces = execute(mutated)
        self.assertEqual(traces, ["run", "plain", "plain.<locals>.inner", "gen", "coro",
                                  "Box.__repr__.<locals>.show"])
        self.assertEqual(counts["functions"], 6)

    def test_methods_traces_everything_with_qualnames(self):
        mutated, counts = mutate.mutate_source(SOURCE, "sample", "methods")
        _, traces = execute(mutated)
        self.assertEqual(traces, ["run", "Box.make", "Box.__init__", "plain", "plain.<locals>.inner", "gen",
                                  "coro", "Box.double", "Box.__repr__", "Box.__repr__.<locals>.show",
                                  "Box.Inner.ping"])

    def test_sleep_after_docstring_and_not_in_async(self):
        mutated, _ = mutate.mutate_source(SOURCE, "sample", "methods")
        self.assertTrue(mutated.startswith('"""Module docstring."""\nfrom __future__ import annotations\n'
                                           "import time as _mut_time\n"))
        self.assertIn('def plain(x):\n    """Doc."""\n    _mut_time.sleep(0)\n', mutated)
        self.assertIn("async def coro():\n    print('> sample:coro', file=_mut_sys.__stdout__)\n    return 5",
                      mutated)
        self.assertIn("square = lambda v: v * v", mutated)

    def test_names_survive_mangling(self):
        source = "class C:\n    def __m(self):\n        return 1\n    def m(self):\n        return self.__m()\n"
        mutated, _ = mutate.mutate_source(source, "sample", "methods")
        namespace = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(mutated, namespace)
            self.assertEqual(namespace["C"]().m(), 1)


if __name__ == "__main__":
    unittest.main()

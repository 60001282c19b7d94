"""How the transform fails, natively: valid code it cannot rewrite is a
pyrun.TransformError (a SyntaxError) at the user's file; an error the
program itself has is reported as CPython reports it, even when pyrun
rewrote the module first; a bug of pyrun's is pyrun.InternalError, one line
naming the file and line, status 1. The structure-aware fuzzer's findings
are kept here as regressions."""
import os
import subprocess
import sys
import tempfile
import unittest

import pyrun

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "driver.py")


def run_program(source, env=None):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "main.py")
        with open(path, "w") as f:
            f.write(source)
        proc = subprocess.run([sys.executable, DRIVER, "file", path, path], capture_output=True, text=True,
                              env={**os.environ, **(env or {})}, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr.replace(path, "main.py")


class TransformErrors(unittest.TestCase):
    def test_code_nested_too_deeply_for_the_ast_round_trip(self):
        # CPython compiles this from its source; the AST round trip cannot
        source = "import time\ntime.sleep(0)\nx = " + "-" * 1000 + "1\n"
        compile(source, "deep.py", "exec")
        with self.assertRaises(pyrun.TransformError) as cm:
            pyrun._compile(source, "deep.py")
        self.assertIsInstance(cm.exception, SyntaxError)
        self.assertIn("nested too deeply for pyrun to rewrite", str(cm.exception))
        self.assertEqual(cm.exception.filename, "deep.py")

    def test_the_programs_own_error_after_a_rewrite_is_cpythons(self):
        for source, message in [
            ("import time\ntime.sleep(0)\nreturn 5\n", "'return' outside function"),
            ("import time\ndef f():\n    time.sleep(0)\n    nonlocal q\n", "no binding for nonlocal 'q' found"),
        ]:
            with self.subTest(message):
                status, out, err = run_program(source)
                self.assertEqual(status, 1)
                self.assertTrue(err.endswith(f"SyntaxError: {message}\n"), err)
                self.assertNotIn("pyrun", err)

    def test_a_failure_of_the_transform_itself_is_one_line_and_status_1(self):
        status, out, err = run_program('import time\nprint("hi")\ntime.sleep(0)\n',
                                       {"PYRUN_TEST_FAULT": "transform"})
        self.assertEqual((status, out), (1, ""))
        self.assertEqual(err, "pyrun: internal error in the transform at main.py:3: "
                              "SystemError: injected fault (PYRUN_TEST_FAULT=transform)\n")

    def test_internal_error_is_not_an_exception_programs_catch(self):
        self.assertFalse(issubclass(pyrun.InternalError, Exception))
        self.assertTrue(issubclass(pyrun.InternalError, BaseException))


class FuzzerFindings(unittest.TestCase):
    """Programs the fuzzers found the transform mishandling: each must go
    through the full analysis and rewrite and compile."""

    FOUND = {
        # issue 10: a blocking property read assigned to a name, then used
        # (the rewrite freed the read's node under the analysis)
        "property_read_assigned": "import time\nclass B:\n    @property\n    def p(self):\n"
                                  "        time.sleep(0)\nr = B().p\nprint(r)\n",
        # a generator lambda in a blocking function, lifted to an async
        # generator, which cannot `return` a value
        "generator_lambda": "import time\ndef pause(n):\n    (lambda: (yield time.sleep(0)))()\n"
                            "    yield time.sleep(0)\n    return n\nprint(pause(0))\n",
    }

    def test_each_finding_compiles_after_the_full_transform(self):
        for name, source in self.FOUND.items():
            with self.subTest(name):
                compile(source, name, "exec")
                code = pyrun._compile(source, name + ".py", True)
                self.assertEqual(code.co_filename, name + ".py")


if __name__ == "__main__":
    unittest.main()

"""Native tests of how the runtime starts a program and ends it: the
__main__ set-up, exit statuses, error reports and Ctrl-C delivery."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "driver.py")


def run(kind, target, *argv, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.run(
        [sys.executable, DRIVER, kind, target, *argv],
        capture_output=True, cwd=cwd, env=env, timeout=60,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


class ProgramFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text, mode="w"):
        path = os.path.join(self.dir.name, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(textwrap.dedent(text) if isinstance(text, str) else text)
        return path


class MainModule(ProgramFiles):
    def test_script_dunders_argv_and_path(self):
        path = self.write("s.py", """
            import sys
            print(__name__, __file__ == sys.argv[0], __spec__, __package__, __cached__)
            print(type(__loader__).__name__, sys.path[0] == __import__('os').path.dirname(__file__))
            print(sys.argv[1:])
        """)
        status, out, err = run("file", path, path, "a", "b")
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(out.splitlines(), [
            "__main__ True None None None", "SourceFileLoader True", "['a', 'b']"])

    def test_code_has_no_file(self):
        status, out, err = run("code", "import sys; print('__file__' in globals(), repr(sys.path[0]), sys.argv)", "-c", "x")
        self.assertEqual((status, out, err), (0, "False '' ['-c', 'x']\n", ""))

    def test_module_runs_as_main_with_spec(self):
        self.write("pkg/__init__.py", "")
        self.write("pkg/mod.py", """
            import sys
            print(__name__, __spec__.name, __package__, sys.argv[0].endswith('pkg/mod.py'), sys.argv[1:])
        """)
        status, out, err = run("module", "pkg.mod", "-m", "z", cwd=self.dir.name)
        self.assertEqual((status, out, err), (0, "__main__ pkg.mod pkg True ['z']\n", ""))

    def test_missing_module(self):
        status, out, err = run("module", "no_such_mod", "-m", cwd=self.dir.name)
        self.assertEqual((status, err), (1, "pyrun: No module named no_such_mod\n"))

    def test_top_level_await(self):
        path = self.write("t.py", """
            import asyncio
            print("before")
            await asyncio.sleep(0.01)
            print("after")
        """)
        self.assertEqual(run("file", path, path), (0, "before\nafter\n", ""))


class ExitStatus(ProgramFiles):
    def test_system_exit_codes(self):
        cases = {"raise SystemExit(7)": (7, ""), "import sys; sys.exit()": (0, ""),
                 "import sys; sys.exit('bye')": (1, "bye\n"), "import sys; sys.exit(None)": (0, "")}
        for code, (status, err) in cases.items():
            with self.subTest(code=code):
                got = run("code", code, "-c")
                self.assertEqual((got[0], got[2]), (status, err))

    def test_exit_inside_top_level_await(self):
        path = self.write("e.py", "import asyncio, sys\nawait asyncio.sleep(0)\nsys.exit(5)\n")
        self.assertEqual(run("file", path, path)[0], 5)

    def test_uncaught_exception_traceback(self):
        path = self.write("boom.py", """
            def inner():
                raise ValueError("boom")
            def outer():
                inner()
            outer()
        """)
        status, out, err = run("file", path, path)
        self.assertEqual(status, 1)
        lines = [l for l in err.splitlines() if l.startswith("  File")]
        self.assertEqual(lines, [
            f'  File "{path}", line 6, in <module>',
            f'  File "{path}", line 5, in outer',
            f'  File "{path}", line 3, in inner',
        ])
        self.assertTrue(err.startswith("Traceback (most recent call last):\n"))
        self.assertTrue(err.endswith("ValueError: boom\n"))

    def test_syntax_error_report(self):
        path = self.write("syn.py", "x = 1\ndef f(:\n    pass\n")
        status, out, err = run("file", path, path)
        self.assertEqual(status, 1)
        self.assertIn(f'  File "{path}", line 2\n', err)
        self.assertTrue(err.endswith("SyntaxError: invalid syntax\n"))
        self.assertNotIn("Traceback", err)

    def test_undeclared_non_utf8(self):
        path = self.write("bad.py", b"x = 1\ny = '\xff'\n", mode="wb")
        status, out, err = run("file", path, path)
        self.assertEqual(status, 1)
        self.assertEqual(err, f"SyntaxError: Non-UTF-8 code starting with '\\xff' in file {path} "
                              "on line 2, but no encoding declared; see "
                              "https://peps.python.org/pep-0263/ for details\n")

    def test_declared_encoding_is_honoured(self):
        path = self.write("lat.py", b"# -*- coding: latin-1 -*-\nprint('\xe9')\n", mode="wb")
        self.assertEqual(run("file", path, path), (0, "\u00e9\n", ""))

    def test_missing_file(self):
        path = os.path.join(self.dir.name, "nope.py")
        self.assertEqual(run("file", path, path),
                         (2, "", f"pyrun: can't open file '{path}': [Errno 2] No such file or directory\n"))

    def test_directory_without_main(self):
        status, out, err = run("file", self.dir.name, self.dir.name)
        self.assertEqual((status, err), (1, f"pyrun: can't find '__main__' module in '{self.dir.name}'\n"))

    def test_directory_with_main(self):
        self.write("__main__.py", "import sys; print(__name__, sys.argv[0] == sys.path[0])\n")
        self.assertEqual(run("file", self.dir.name, self.dir.name), (0, "__main__ True\n", ""))

    def test_atexit_runs_and_stdout_is_flushed(self):
        path = self.write("ae.py", "import atexit\natexit.register(print, 'bye')\nprint('hi', end='')\n")
        self.assertEqual(run("file", path, path), (0, "hibye\n", ""))


class Interrupt(ProgramFiles):
    def test_interrupt_lands_at_the_pending_await(self):
        path = self.write("sleepy.py", """
            import asyncio, pyrun
            async def wait():
                await asyncio.sleep(30)
            asyncio.get_running_loop().call_later(0.05, pyrun._interrupt)
            try:
                await wait()
            finally:
                print("cleanup ran")
        """)
        status, out, err = run("file", path, path)
        self.assertEqual((status, out), (130, "cleanup ran\n"))
        self.assertIn(f'  File "{path}", line 7, in <module>', err)
        self.assertIn(f'  File "{path}", line 4, in wait', err)
        self.assertTrue(err.endswith("KeyboardInterrupt\n"))

    def test_caught_interrupt_lets_the_program_go_on(self):
        path = self.write("catch.py", """
            import asyncio, pyrun
            asyncio.get_running_loop().call_later(0.05, pyrun._interrupt)
            try:
                await asyncio.sleep(30)
            except KeyboardInterrupt:
                print("caught")
            await asyncio.sleep(0.01)
            print("went on")
        """)
        self.assertEqual(run("file", path, path), (0, "caught\nwent on\n", ""))


if __name__ == "__main__":
    unittest.main()

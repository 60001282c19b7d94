"""pyrun._reset_run(): one interpreter running program after program (a
page's loadPyrun instance) starts each as a fresh interpreter would, as far
as the runtime's own state goes."""
import asyncio
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

import pyrun


class Host:
    def __init__(self):
        self.lines = []

    def exit(self, status):
        pass

    async def read_line(self):
        await asyncio.sleep(0)
        return self.lines.pop(0) if self.lines else None


class RunReset(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = Host()
        cls.dir = tempfile.mkdtemp()
        pyrun._init(cls.host, False, False)

    def run_program(self, source, lines=()):
        path = os.path.join(self.dir, "main.py")
        with open(path, "w") as f:
            f.write(source)
        self.host.lines = list(lines)
        out, err = io.StringIO(), io.StringIO()

        async def main():
            started = pyrun._run_main("file", path, ["main.py"])
            return started if isinstance(started, int) else await started

        saved = list(sys.path)
        with redirect_stdout(out), redirect_stderr(err):
            status = asyncio.run(main())
        sys.path[:] = saved
        return status, out.getvalue(), err.getvalue()

    def test_end_of_input_is_forgotten(self):
        reader = "import sys\nprint(repr(sys.stdin.readline()))\nprint(input('? '))\n"
        status, out, err = self.run_program(reader, ["one\n"])
        self.assertEqual(status, 1)
        self.assertIn("EOFError", err)
        # without a reset, the end of input stays reached
        status, out, _ = self.run_program(reader, ["two\n", "three\n"])
        self.assertEqual(out, "''\n? ")
        pyrun._reset_run()
        status, out, err = self.run_program(reader, ["two\n", "three\n"])
        self.assertEqual((status, out, err), (0, "'two\\n'\n? three\n", ""))

    def test_unread_text_is_forgotten(self):
        status, out, _ = self.run_program("import sys\nprint(repr(sys.stdin.read(2)))\n", ["abcdef\n"])
        self.assertEqual(out, "'ab'\n")
        pyrun._reset_run()
        status, out, _ = self.run_program("import sys\nprint(repr(sys.stdin.readline()))\n", ["xyz\n"])
        self.assertEqual(out, "'xyz\\n'\n")

    def test_refused_while_a_program_runs(self):
        status, out, err = self.run_program(
            "import pyrun\ntry:\n    pyrun._reset_run()\nexcept RuntimeError as e:\n    print(e)\n"
        )
        self.assertEqual((status, out), (0, "_reset_run(): a program is running\n"))


if __name__ == "__main__":
    unittest.main()

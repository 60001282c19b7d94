"""Native tests of colored generators on this Python (3.11), where a
generator's frame can still be cleared while it is suspended: the
generator is closed then, at once, as CPython closes it (3.13 and later
refuse to clear it, on pyrun as on CPython)."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "driver.py")

PROGRAM = textwrap.dedent("""
    import time

    def g(log):
        try:
            time.sleep(0)
            yield 1
            yield 2
        finally:
            log.append("closed")

    def main():
        log = []
        gen = g(log)
        next(gen)
        gen.gi_frame.clear()
        log.append("after clear")
        print(log)

    main()
""")


class SuspendedFrame(unittest.TestCase):
    def test_clearing_the_frame_closes_the_generator_at_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "clear.py")
            with open(path, "w") as f:
                f.write(PROGRAM)
            expected = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=60)
            got = subprocess.run([sys.executable, DRIVER, "file", path, path], capture_output=True, text=True,
                                 timeout=60)
        self.assertEqual(expected.stdout, "['closed', 'after clear']\n")
        self.assertEqual((got.returncode, got.stdout, got.stderr), (0, expected.stdout, ""))

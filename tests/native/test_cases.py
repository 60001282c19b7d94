"""The case table (tests/cases) through the native runtime: each program
must print what CPython prints for it, and the transform must have made
the notes the case lists. Each case runs twice: as users run it, and in
strict mode (PYRUN_STRICT_ASYNC=1), where code pyrun cannot make async
raises BlockingError instead of waiting synchronously: what a .strict.out
says, when there is one."""
import os
import re
import subprocess
import sys
import unittest

import pyrun

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(os.path.dirname(HERE), "cases")
DRIVER = os.path.join(HERE, "driver.py")


def read_case(name):
    path = os.path.join(CASES, name + ".py")
    with open(path) as f:
        source = f.read()
    header = [l for l in source.splitlines() if l.startswith("# ")]
    def read(suffix):
        with open(os.path.join(CASES, name + suffix)) as f:
            return f.read()
    strict = os.path.exists(os.path.join(CASES, name + ".strict.out"))
    return {
        "path": path,
        "source": source,
        "notes": read(".notes").splitlines(),
        "stdin": "".join(l[len("# stdin: "):] + "\n" for l in header if l.startswith("# stdin: ")),
        "expected": read(".out"),
        "expected_strict": read(".strict.out") if strict else None,
    }


def essentials(text):
    """Frames and messages of a traceback, without source lines and carets
    (how those show differs between Python versions)."""
    stdout, sep, stderr = text.partition("--- stderr ---\n")
    if not sep:
        return text
    kept = [l for l in stderr.split("\n") if not l.startswith("    ")]
    return stdout + sep + "\n".join(kept)


def strict_essentials(text):
    """stdout, the status and the error's last line up to where it says
    where: the traceback above it differs between runtimes and threads."""
    stdout, sep, rest = text.partition("--- stderr ---\n")
    if not sep:
        return text
    stderr, _, status = rest.partition("--- status")
    last = stderr.rstrip().split("\n")[-1].split(" (")[0]
    return stdout + sep + last + "\n--- status" + status


def describe(stdout, stderr, status):
    clean = lambda s: s.replace(CASES, "<cases>")
    text = clean(stdout)
    if stderr:
        text += "--- stderr ---\n" + clean(stderr)
    if status:
        text += f"--- status {status} ---\n"
    return text


class CaseTable(unittest.TestCase):
    pass


def make_test(name):
    def test(self):
        case = read_case(name)
        source, notes = pyrun.transform(case["source"], "case.py")
        self.assertEqual([re.sub(r"^case\.py:", "", n) for n in notes], case["notes"])
        if not case["notes"]:
            self.assertEqual(source, case["source"], "an untouched program is returned as is")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "PYRUN_STRICT_ASYNC")}
        for strict in (False, True):
            with self.subTest(strict=strict):
                proc = subprocess.run([sys.executable, DRIVER, "file", case["path"], case["path"]],
                                      input=case["stdin"].encode(), capture_output=True,
                                      env={**env, "PYRUN_STRICT_ASYNC": "1"} if strict else env, timeout=60)
                got = describe(proc.stdout.decode(), proc.stderr.decode(), proc.returncode)
                if strict and case["expected_strict"] is not None:
                    # written by hand, once for every Python version
                    self.assertEqual(strict_essentials(got), strict_essentials(case["expected_strict"]))
                else:
                    self.assertEqual(got, case["expected"])
    return test


for _file in sorted(os.listdir(CASES)):
    if _file.endswith(".py"):
        _name = _file[:-3]
        setattr(CaseTable, "test_" + _name, make_test(_name))

if __name__ == "__main__":
    unittest.main()

"""Comparing a pyrun run with CPython's, and naming what went wrong.

compare(reference, got) -> {"ok", "class", "excerpt"}. Output is normalised
first: memory addresses, and unittest's "Ran N tests in 0.012s". When the
runs differ, the class comes from what pyrun printed that CPython did not
(stderr first, then stdout: the doctest drivers print caught exceptions as
"!! Type: message"), by the first rule below that matches."""
import re
from collections import Counter

TRACE = "\n> "  # the start of a trace line written by the mutation
STDLIB = ("/usr/lib/python3.11/", "/lib/python3")  # Debian's, and Pyodide's in its file system

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_RAN = re.compile(r"^(Ran \d+ tests?) in \d+\.\d+s$", re.M)


def normalise(text):
    return _RAN.sub(r"\1", _ADDRESS.sub("0x?", text))


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def _extra_lines(reference, got):
    """Lines of `got` that `reference` does not have (as multisets), in order."""
    budget = Counter(reference.splitlines())
    out = []
    for line in got.splitlines():
        if budget[line] > 0:
            budget[line] -= 1
        else:
            out.append(line)
    return out


def _blocking(line, m):
    what = m.group(1)
    if what.startswith("creating a"):
        return "BlockingError from a constructor (__init__)"
    if what.startswith("the body of module"):
        return "BlockingError from an import that is not awaited"
    if what.startswith("a call of ") or what == "this call":
        return "BlockingError from a call the transform left synchronous"
    short = what.rstrip("()").rsplit(".", 1)[-1]
    if short.startswith("__") and short.endswith("__"):
        return "BlockingError from a dunder"
    return "BlockingError from a function called by code pyrun does not rewrite"


def _unawaited(line, m):
    # The warning names the line running when the coroutine was dropped:
    # mostly the call that made it and got a coroutine instead of a value.
    if m.group(1).startswith(STDLIB):
        return "coroutine never awaited (dropped in stdlib code)"
    return "coroutine never awaited (dropped in the program)"


def _exception_name(line, m):
    return f"{m.group(1)} raised (CPython does not)"


# (pattern, class or function(line, match) -> class), most telling first.
RULES = [
    (re.compile(r"Fatal Python error|Segmentation fault|core dumped"), "crash"),
    (re.compile(r"SystemError"), "SystemError (engine)"),
    (re.compile(r"pyrun cannot make"), "transform refused ('pyrun cannot make ... async')"),
    (re.compile(r"(?:ValueError|TypeError): (?:expected some sort of|required field|field \w+ is required|"
                r"invalid \w+ ast|expected \w+ node)"), "transform produced an invalid tree"),
    (re.compile(r"BlockingError: (.+?) blocks, but"), _blocking),
    (re.compile(r"BlockingError"), "BlockingError (other)"),
    (re.compile(r"coroutine raised StopIteration"), "RuntimeError: coroutine raised StopIteration"),
    (re.compile(r"(?:(\w+Error): )?'coroutine' object (is not \w+|has no attribute|does not support [\w ]+|"
                r"cannot be [\w ]+)"),
     lambda line, m: f"{m.group(1) or 'TypeError'}: 'coroutine' object {m.group(2)}"),
    (re.compile(r"(?:unsupported operand|not supported between instances of).*'coroutine'"),
     "TypeError: operator on a coroutine"),
    (re.compile(r"pyrun\.\w*Iter\w*|'async_generator' object|async_generator"),
     "async iterator where an iterator is expected"),
    (re.compile(r"(?:^|\.\.\. )(\S+?):\d+: RuntimeWarning: coroutine '[^']*' was never awaited"), _unawaited),
    (re.compile(r"coroutine '[^']*' was never awaited"), "coroutine never awaited"),
    (re.compile(r"<coroutine object"), "coroutine object in the output"),
    (re.compile(r"^!! (\w+): "), _exception_name),
    (re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception)): "), _exception_name),
]


_TEST_HEADER = re.compile(r"^\w+ \([\w.]+\) \.\.\. ")  # unittest -v, before a test's own output


def _classify(extra):
    for pattern, cls in RULES:
        for line in extra:
            m = pattern.search(line)
            if m:
                return (cls(line, m) if callable(cls) else cls), _TEST_HEADER.sub("", line.strip())
    return None, None


def compare(reference, got):
    if got["timeout"]:
        return {"ok": False, "class": "timeout", "excerpt": f"no end after {got['seconds']:.0f} s"}
    if got["status"] is not None and got["status"] < 0:
        return {"ok": False, "class": "crash", "excerpt": f"signal {-got['status']}"}
    out_ref, out_got = normalise(reference["stdout"]), normalise(got["stdout"])
    err_ref, err_got = normalise(reference["stderr"]), normalise(got["stderr"])
    if (reference["status"], out_ref, err_ref) == (got["status"], out_got, err_got):
        return {"ok": True, "class": None, "excerpt": None}
    extra = _extra_lines(err_ref, err_got) + _extra_lines(out_ref, out_got)
    cls, line = _classify(extra)
    if cls:
        return {"ok": False, "class": cls, "excerpt": line[:200]}
    if out_ref != out_got:
        cls = "output differs"
        a, b = out_ref.splitlines(), out_got.splitlines()
    elif err_ref != err_got:
        cls = "stderr differs"
        a, b = err_ref.splitlines(), err_got.splitlines()
    else:
        return {"ok": False, "class": "exit status differs",
                "excerpt": f"CPython {reference['status']}, pyrun {got['status']}"}
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    want = a[i] if i < len(a) else "(end)"
    have = b[i] if i < len(b) else "(end)"
    if want != "(end)" and have == "(end)" and cls == "output differs":
        cls = "output stops early"
    elif have.startswith("> ") or want.startswith("> "):
        cls = "trace differs" if cls == "output differs" else cls
    return {"ok": False, "class": cls, "excerpt": f"line {i + 1}: CPython {want[:90]!r}, pyrun {have[:90]!r}"}


SEGMENT = re.compile(r"@@@ mutation: (\S+)\n")  # corpus.py's line between two TestCase classes


def segments(r):
    """A unittest driver's run cut at the lines between its classes:
    {"preamble": part, "segments": {class: part}}, each part a run record
    with the status left out (None) unless it is the whole run's."""
    def cut(text):
        pieces = SEGMENT.split(text)
        return pieces[0], dict(zip(pieces[1::2], pieces[2::2]))

    def part(stdout, stderr):
        return {"status": None, "stdout": stdout, "stderr": stderr, "timeout": False, "seconds": 0.0}

    out_pre, out = cut(r["stdout"])
    err_pre, err = cut(r["stderr"])
    names = list(out) + [n for n in err if n not in out]
    return {"preamble": part(out_pre, err_pre),
            "segments": {n: part(out.get(n, ""), err.get(n, "")) for n in names}}

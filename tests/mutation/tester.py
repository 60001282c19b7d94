"""The differential mutation tester (issue 12): real Python programs with
`time.sleep(0)` and a trace line at the start of every function, run under
CPython 3.11 and under pyrun, compared.

  python3.11 tests/mutation/tester.py            run the corpus, print the report
  python3.11 tests/mutation/tester.py --select   choose the corpus again (corpus.json)

The corpus (corpus.py) is generated at run time from Pyodide's stdlib zip,
Debian's python3.11 library and its test suite; corpus.json names the
programs the selection kept, and why it left the others out. A program is a
module's doctests, or one TestCase class of a test module (the classes of a
module run in one process, one after another, as unittest runs them). Each
runs in two variants (mutate.py): "plain" (every function that is not a
method blocks) and "methods" (every function and method blocks, dunders and
properties included), under /usr/bin/python3.11 and under the native build
of pyrun's runtime (tests/native/driver.py runs it as the CLI does in
Pyodide); a sample also under the `pyrun` command on Node. A program passes
when its stdout, its stderr and the exit status are the same once
normalised (addresses, unittest's timing). The report goes to
test-results/mutation-report.txt."""
import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../.."))
sys.path.insert(0, HERE)
import classify  # noqa: E402
import corpus  # noqa: E402

PYTHON = "/usr/bin/python3.11"
DRIVER = os.path.join(ROOT, "tests/native/driver.py")
NATIVE = os.path.join(ROOT, "build/native")
CLI = os.path.join(ROOT, "loader/node/pyrun.mjs")
CORPUS_FILE = os.path.join(HERE, "corpus.json")
RESULTS = os.path.join(ROOT, "test-results")
MUTATED = ("plain", "methods")

# Selection limits: a program is kept when CPython runs it quickly and the
# same way twice.
SELECT = {
    "cpython_seconds": 5.0,  # wall time of one process: a doctest module, or a test module's classes
    "stdout_bytes": 4_000_000,  # mutated: trace lines add up
    "cli_sample": 20,
}
# A pyrun process may take this much longer than CPython's before it is
# stopped (a timeout), and never less than MIN_TIMEOUT seconds.
SLOWER = 10
MIN_TIMEOUT = 20.0
# After a process ends inside a class, the classes after it run again in a
# new one, while the source has taken less than this many seconds.
BUDGET = 60.0


def timer_slack():
    """time.sleep(0) costs CPython ~70 us under Linux's default 50 us timer
    slack; the mutation calls it at every function entry. One nanosecond of
    slack, inherited by every process this one starts, cuts that to ~15 us:
    the reference runs faster. pyrun's sleeps wait on its event loop."""
    try:
        ctypes.CDLL(None).prctl(29, 1, 0, 0, 0)  # PR_SET_TIMERSLACK
    except (OSError, AttributeError):
        pass


def environment(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") or k == "PYRUN_CACHE_DIR"}
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra or {})
    return env


def run(argv, cwd, timeout, env=None):
    start = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, env=env or environment(), capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        status, out, err, timed_out = p.returncode, p.stdout, p.stderr, False
    except subprocess.TimeoutExpired as e:
        status, out, err, timed_out = None, e.stdout or b"", e.stderr or b"", True
    return {
        "status": status,
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err.decode("utf-8", "replace"),
        "seconds": time.monotonic() - start,
        "timeout": timed_out,
    }


def cpython(d, args=(), timeout=60):
    return run([PYTHON, "main.py", *args], d, timeout)


def pyrun_native(d, args, timeout):
    return run([PYTHON, DRIVER, "file", "main.py", "main.py", *args], d, timeout,
               environment({"PYTHONPATH": NATIVE}))


def pyrun_cli(d, args, timeout):
    return run([os.environ.get("MUTATION_NODE", "node"), CLI, "main.py", *args], d, timeout)


ENGINES = {"native": pyrun_native, "cli": pyrun_cli}


def pyrun_timeout(reference):
    return max(MIN_TIMEOUT, SLOWER * reference["seconds"])


# ------------------------------------------------------------ sources

def source_key(kind, source):
    return f"{kind}/{source.replace(':', '/')}"


def build(kind, source, workdir):
    """Writes one source's programs; (directory, metadata, error line)."""
    out = os.path.join(workdir, f"{kind}+{source.replace(':', '+')}")
    try:
        p = subprocess.run([PYTHON, os.path.join(HERE, "corpus.py"), "build", kind, source, out],
                           capture_output=True, env=environment(), timeout=120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return out, None, "the build timed out"
    meta_file = os.path.join(out, "meta.json")
    if p.returncode != 0 or not os.path.exists(meta_file):
        lines = p.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit status {p.returncode}"]
        return out, None, lines[-1]
    with open(meta_file) as f:
        return out, json.load(f), None


def group(programs):
    """The programs by source, in order: [(kind, source, [programs])]."""
    groups = {}
    for p in programs:
        groups.setdefault((p["kind"], p["source"]), []).append(p)
    return [(k, s, ps) for (k, s), ps in groups.items()]


def parallel(items, jobs, work, log, describe):
    done = 0
    lock = threading.Lock()

    def one(item):
        nonlocal done
        result = work(item)
        with lock:
            done += 1
            log(f"[{done}/{len(items)}] {describe(item, result)}")
        return result

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, items))


# ------------------------------------------------------------ comparing a source's programs

def run_compared(d, kind, targets, reference, engine):
    """Runs the programs of one source (targets: TestCase classes, or [None]
    for a doctest module) under a pyrun engine; {target: verdict}. When the
    process ends inside a class (a timeout, a crash, an exit), that class
    gets the verdict and the classes after it run again in a new process."""
    runner = ENGINES[engine]
    verdicts = {}
    if kind == "doctest":
        got = runner(d, [], pyrun_timeout(reference))
        return {None: _relative(classify.compare(reference, got), d)}, got["seconds"]
    ref = classify.segments(reference)
    remaining = list(targets)
    seconds = 0.0
    while remaining:
        if seconds > BUDGET:
            for target in remaining:
                verdicts[target] = {"ok": False, "class": "timeout",
                                    "excerpt": f"not run: {seconds:.0f} s went on the classes before it"}
            break
        got = runner(d, remaining, pyrun_timeout(reference))
        seconds += got["seconds"]
        part = classify.segments(got)
        finished = got["status"] is not None and got["status"] >= 0 and not got["timeout"]
        for i, target in enumerate(remaining):
            if target not in part["segments"]:
                if i == 0:
                    # The process ended before any class (importing the module):
                    # each of them would, again. The preamble says why.
                    verdict = classify.compare(ref["preamble"], part["preamble"] | _end(got))
                    verdicts.update((t, verdict) for t in remaining)
                    remaining = []
                else:
                    remaining = remaining[i:]  # the process ended in an earlier class
                break
            last = i == len(remaining) - 1
            ended_here = not finished and (last or remaining[i + 1] not in part["segments"])
            # (A class CPython's run did not reach counts for no variant: it
            # is compared with nothing, and its verdict is not recorded.)
            want = ref["segments"].get(target) or classify.segments({"stdout": "", "stderr": ""})["preamble"]
            have = part["segments"][target]
            if ref["preamble"]["stdout"] != part["preamble"]["stdout"] or \
                    ref["preamble"]["stderr"] != part["preamble"]["stderr"]:
                have = {**have, "stdout": part["preamble"]["stdout"] + have["stdout"],
                        "stderr": part["preamble"]["stderr"] + have["stderr"]}
                want = {**want, "stdout": ref["preamble"]["stdout"] + want["stdout"],
                        "stderr": ref["preamble"]["stderr"] + want["stderr"]}
            if ended_here:
                have = have | _end(got)
            elif last:
                have = {**have, "status": got["status"]}
                want = {**want, "status": reference["status"]}
            verdicts[target] = classify.compare(want, have)
            if ended_here:
                remaining = remaining[i + 1:]
                break
        else:
            remaining = []
    return {t: _relative(v, d) for t, v in verdicts.items()}, seconds


def _relative(verdict, d):
    """The excerpt without the temporary directory the program ran in."""
    if verdict.get("excerpt"):
        verdict = {**verdict, "excerpt": verdict["excerpt"].replace(d + os.sep, "")}
    return verdict


def _end(got):
    return {"status": got["status"], "timeout": got["timeout"], "seconds": got["seconds"]}


def test_source(kind, source, programs, workdir, control):
    """Every program of one source, in each variant: result records."""
    out, meta, error = build(kind, source, workdir)
    records = []
    try:
        variants = list(MUTATED) + (["none"] if control else [])
        for variant in variants:
            chosen = [p for p in programs if variant == "none" or variant in p["variants"]]
            if not chosen:
                continue
            if error:
                records += [{"id": p["id"], "variant": variant, "engine": "native", "ok": False,
                             "class": "corpus build failed", "excerpt": error} for p in chosen]
                continue
            d = os.path.join(out, variant)
            targets = [p.get("target") for p in programs]  # all classes run, each variant
            reference = cpython(d, [t for t in targets if t])
            for engine in ("native", "cli"):
                on = [p for p in chosen if engine == "native" or p.get("cli")]
                if not on:
                    continue
                verdicts, seconds = run_compared(d, kind, targets, reference, engine)
                for p in on:
                    records.append({"id": p["id"], "variant": variant, "engine": engine,
                                    **verdicts[p.get("target")],
                                    "source_seconds": {"cpython": round(reference["seconds"], 2),
                                                       "pyrun": round(seconds, 2)}})
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return records


def test(programs, jobs, workdir, control, log):
    def describe(g, rs):
        bad = Counter(f"{r['variant']}/{r['engine']}: {r['class']}" for r in rs if not r["ok"])
        return f"{source_key(g[0], g[1])} ({len(g[2])}): " + ("; ".join(f"{n}x {c}" for c, n in bad.items())
                                                              if bad else "ok")

    records = []
    for rs in parallel(group(programs), jobs, lambda g: test_source(*g, workdir, control), log, describe):
        records += rs
    return records


# ------------------------------------------------------------ selection

def audited(d, timeout):
    log = os.path.join(d, ".audit")
    r = run([PYTHON, os.path.join(HERE, "audited.py"), log, "main.py"], d, timeout)
    r["stopped"] = [tuple(x) for x in json.load(open(log))] if os.path.exists(log) else []
    if os.path.exists(log):
        os.unlink(log)
    return r


_RESULT = re.compile(r"^(OK|FAILED)\b.*$", re.M)


def select_source(candidate):
    """(programs kept, [(id, reason) left out]) for one candidate source."""
    kind, source = candidate["kind"], candidate["source"]
    key = source_key(kind, source)
    if candidate.get("unsafe"):
        return [], [(key, f"not tried: {candidate['unsafe']}")]
    workdir = tempfile.mkdtemp(prefix="pyrun-mutation-select-")
    try:
        return _select_source(kind, source, key, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _select_source(kind, source, key, workdir):
    out, meta, error = build(kind, source, workdir)
    if error and "SandboxError" in error:
        return [], [(key, f"tries to start a {error.split('start a ')[-1].split()[0]}")]
    if error:
        return [], [(key, f"does not build under CPython 3.11: {error[:200]}")]
    if kind == "doctest":
        if meta["stopped"]:
            return [], [(key, "tries to start a " + ", ".join(meta["stopped"]))]
        if meta["attempted"] == 0 or meta["examples"] == 0:
            return [], [(key, "no doctest example that doctest runs")]
        if meta["failed"]:
            return [], [(key, f"doctest fails under CPython 3.11 ({meta['failed']} of {meta['attempted']} examples)")]
    limit = SELECT["cpython_seconds"]
    base = audited(os.path.join(out, "none"), 4 * limit)
    if base["timeout"] or base["seconds"] > limit:
        return [], [(key, f"slow under CPython 3.11 (over {limit:g} s)")]
    left_out = []
    if kind == "doctest":
        if base["stopped"]:
            return [], [(key, "tries to start a " + ", ".join(sorted({w for w, _ in base["stopped"]})))]
        if base["status"] != 0:
            return [], [(key, f"fails under CPython 3.11: {classify.last_line(base['stderr'])[:200]}")]
        targets = [None]
    else:
        segs = classify.segments(base)
        if any(c is None for _, c in base["stopped"]):
            return [], [(key, "tries to start a " + ", ".join(sorted({w for w, c in base["stopped"] if c is None})))]
        if not segs["segments"]:
            return [], [(key, f"fails under CPython 3.11: {classify.last_line(base['stderr'])[:200]}")]
        targets = []
        for name, seg in segs["segments"].items():
            stopped = sorted({w for w, c in base["stopped"] if c == name})
            results = _RESULT.findall(seg["stderr"])
            if stopped:
                left_out.append((f"{key}/{name}", "tries to start a " + ", ".join(stopped)))
            elif results != ["OK"]:
                last = classify.last_line(seg["stderr"])
                left_out.append((f"{key}/{name}", f"fails under CPython 3.11: {last[:200]}"))
            else:
                targets.append(name)
        if not targets:
            return [], left_out
    args = [t for t in targets if t]
    applicable = {t: [] for t in targets}
    for variant in MUTATED:
        d = os.path.join(out, variant)
        first, second = cpython(d, args, 4 * limit), cpython(d, args, 4 * limit)
        if first["timeout"] or max(first["seconds"], second["seconds"]) > limit:
            return [], left_out + [(key, f"slow under CPython 3.11 when mutated ({variant}: over {limit:g} s)")]
        if len(first["stdout"]) > SELECT["stdout_bytes"]:
            return [], left_out + [(key, f"too much output when mutated ({variant}: {len(first['stdout'])} bytes)")]
        for target, (a, b) in _paired(kind, targets, first, second):
            if a is None:
                continue  # the mutated module stops before this class: no variant to count
            same = classify.compare(a, b)
            if not same["ok"]:
                applicable.pop(target, None)
                left_out.append((_id(key, target), f"not deterministic under CPython 3.11 ({variant}): "
                                                  f"{same['excerpt'][:160]}"))
            elif target in applicable and classify.TRACE in "\n" + a["stdout"]:
                applicable[target].append(variant)
    for target in list(applicable):
        if not applicable[target]:
            applicable.pop(target)
            left_out.append((_id(key, target), "no mutated function runs"))
    targets = [t for t in targets if t in applicable]
    if not targets:
        return [], left_out
    d = os.path.join(out, "none")
    reference = cpython(d, [t for t in targets if t])
    verdicts, _ = run_compared(d, kind, targets, reference, "native")
    kept = []
    for target in targets:
        v = verdicts[target]
        if not v["ok"]:
            left_out.append((_id(key, target), f"fails under pyrun with no mutation: {v['class']}: {v['excerpt'][:160]}"))
            continue
        program = {"id": _id(key, target), "kind": kind, "source": source, "variants": applicable[target]}
        if target:
            program["target"] = target
        kept.append(program)
    return kept, left_out


def _id(key, target):
    return f"{key}/{target}" if target else key


def _paired(kind, targets, first, second):
    if kind == "doctest":
        return [(None, (first, second))]
    a, b = classify.segments(first), classify.segments(second)
    pairs = []
    for t in targets:
        if t in a["segments"] and t in b["segments"]:
            pairs.append((t, (a["segments"][t], b["segments"][t])))
        elif t not in a["segments"] and t not in b["segments"]:
            pairs.append((t, (None, None)))
        else:
            pairs.append((t, ({"status": 0, "stdout": "", "stderr": "", "timeout": False},
                              {"status": 1, "stdout": "", "stderr": "(did not run)", "timeout": False})))
    return pairs


def cli_eligible(program):
    """For the CLI sample: the unmutated program prints under Pyodide's
    Python (3.14) what it prints under CPython 3.11."""
    workdir = tempfile.mkdtemp(prefix="pyrun-mutation-select-")
    try:
        out, meta, error = build(program["kind"], program["source"], workdir)
        d = os.path.join(out, "none")
        reference = cpython(d)
        return not error and run_compared(d, program["kind"], [None], reference, "cli")[0][None]["ok"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def spread(items, n):
    """n items spread evenly over the list, in order."""
    if len(items) <= n:
        return list(items)
    return [items[(i * len(items)) // n] for i in range(n)]


def select(jobs, log, only=None):
    candidates = [c for c in corpus.candidates() if not only or any(o in c["id"] for o in only)]

    def describe(c, r):
        return f"{c['id']}: kept {len(r[0])}, left out {len(r[1])}" + (f" ({r[1][0][1][:100]})" if r[1] else "")

    selected = parallel(candidates, jobs, select_source, log, describe)
    # One doctest program per module: Pyodide's own (3.14) file when its
    # doctests pass under CPython 3.11, else Debian's 3.11 file.
    from_zip = {c["source"].split(":")[1] for c, (kept, _) in zip(candidates, selected)
                if kept and c["source"].startswith("stdlib:")}
    programs, excluded = [], []
    for c, (kept, left_out) in zip(candidates, selected):
        name = c["source"].split(":")[1]
        if kept and c["source"].startswith("cpython:") and name in from_zip:
            kept, left_out = [], [(c["id"], f"duplicate of doctest/stdlib/{name} (Pyodide's file is used)")]
        programs += kept
        excluded += [{"id": i, "reason": r} for i, r in left_out]
    # The CLI sample: doctest programs (the test suite's modules need CPython's
    # `test` package, which Pyodide does not ship) that run unmutated.
    doctests = [p for p in programs if p["kind"] == "doctest"]
    ok = parallel(doctests, jobs, cli_eligible, log,
                  lambda p, r: f"CLI {p['id']}: {'eligible' if r else 'differs unmutated'}")
    for p in spread([p for p, good in zip(doctests, ok) if good], SELECT["cli_sample"]):
        p["cli"] = True
    cli_differs = [p["id"] for p, good in zip(doctests, ok) if not good]
    return {
        "about": "Written by `npm run mutation -- --select` (tests/mutation/tester.py): "
                 "names of programs only; their code is generated at test time.",
        "criteria": [
            "candidates: the modules of Pyodide's stdlib zip and of Debian's python3.11 that have doctests "
            "(Pyodide's file first), and every test_*.py of Debian's libpython3.11-testsuite",
            "doctest programs: the module's doctests pass under CPython 3.11 (doctest.DocTestRunner); "
            "one example at least runs",
            "unittest programs: one per TestCase class (the whole module when it has load_tests), "
            "kept when unittest reports OK for it under CPython 3.11",
            "the source runs within the time limit under CPython 3.11, in a sandbox that stops threads, "
            "processes and sockets (tests/mutation/sandbox.py); a program that tries one is left out",
            "each mutated variant: the same normalised output in two CPython runs, within the limits",
            "a variant counts for a program only when one mutated function at least runs in it",
            "pyrun (native) runs the unmutated program as CPython does (else listed: not a mutation failure)",
            "CLI sample: doctest programs whose unmutated run under `pyrun` (Pyodide's Python 3.14) "
            "prints what CPython 3.11 prints",
        ],
        "limits": SELECT,
        "environment": versions(),
        "programs": programs,
        "excluded": excluded,
        "not_in_cli_sample": cli_differs,
    }


def corpus_json(data):
    """corpus.json with one program (or left-out entry) a line, for diffs."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n".join("  " + json.dumps(v) for v in value)
            parts.append(f" {json.dumps(key)}: [\n{items}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def versions():
    def dpkg(name):
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
        return p.stdout.strip()

    with open(os.path.join(ROOT, "node_modules/pyodide/package.json")) as f:
        pyodide = json.load(f)["version"]
    return {"pyodide": pyodide, "python3.11": dpkg("python3.11"),
            "libpython3.11-testsuite": dpkg("libpython3.11-testsuite")}


# ------------------------------------------------------------ the report

def engine_version():
    """The last commit that changed runtime/, and whether it has changed since."""
    log = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %cs %s", "--", "runtime"],
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "runtime"],
                           capture_output=True, text=True).stdout.strip()
    return (log[:90] or "unknown") + (" + uncommitted changes" if dirty else "")


def kind_of(program_id):
    return "/".join(program_id.split("/")[:2])


def summarise(records, programs, seconds):
    rows = {}
    for engine in ENGINES:
        for variant in MUTATED + ("none",):
            rs = [r for r in records if r["engine"] == engine and r["variant"] == variant]
            if not rs:
                continue
            kinds, kinds_ok = Counter(), Counter()
            for r in rs:
                kinds[kind_of(r["id"])] += 1
                kinds_ok[kind_of(r["id"])] += r["ok"]
            passed = sum(r["ok"] for r in rs)
            rows[f"{engine}/{variant}"] = {"passed": passed, "total": len(rs), "rate": passed / len(rs),
                                          "by_kind": {k: [kinds_ok[k], kinds[k]] for k in sorted(kinds)}}
    return {"engine": engine_version(), "programs": len(programs), "seconds": round(seconds, 1), "rates": rows}


def report(records, programs, corpus_data, summary):
    lines = []
    w = lines.append
    env = corpus_data["environment"]
    w("pyrun mutation tester (tests/mutation, issue 12)")
    w(f"engine (runtime/): {summary['engine']}")
    w(f"corpus: {len(programs)} programs from {len(group(programs))} sources, selected with pyodide "
      f"{env['pyodide']}, python3.11 {env['python3.11']}, libpython3.11-testsuite {env['libpython3.11-testsuite']}")
    kinds = Counter(kind_of(p["id"]) for p in programs)
    w("  " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())))
    w(f"run time: {summary['seconds']} s")
    w("")
    w("pass rates: pyrun prints what CPython 3.11 prints (stdout, stderr, exit status)")
    for key, row in summary["rates"].items():
        by = "  ".join(f"{k} {a}/{b}" for k, (a, b) in row["by_kind"].items())
        w(f"  {key:15} {row['passed']:5}/{row['total']:<5} {100 * row['rate']:6.2f}%   {by}")
    w("")
    failures = [r for r in records if not r["ok"]]
    for key in summary["rates"]:
        engine, variant = key.split("/")
        fs = [r for r in failures if r["engine"] == engine and r["variant"] == variant]
        if fs:
            w(f"failure classes, {key}:")
            for cls, n in Counter(r["class"] for r in fs).most_common():
                w(f"  {n:5}  {cls}")
            w("")
    w("failures (variant/engine  program  class: excerpt)")
    for r in sorted(failures, key=lambda r: (r["engine"], r["variant"], r["class"], r["id"])):
        w(f"  {r['variant']}/{r['engine']}  {r['id']}  {r['class']}: {r['excerpt']}")
    w("")
    excluded = corpus_data["excluded"]
    w(f"left out by the selection ({len(excluded)}; corpus.json says why for each):")
    reasons = Counter(re.sub(r" *[:(].*", "", e["reason"]) for e in excluded)
    for reason, n in reasons.most_common():
        w(f"  {n:5}  {reason}")
    control = [e for e in excluded if e["reason"].startswith("fails under pyrun")]
    if control:
        w("")
        w("engine failures with no mutation at all (left out of the rates above):")
        for e in control:
            w(f"  {e['id']}: {e['reason'][len('fails under pyrun with no mutation: '):]}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--select", action="store_true", help="choose the corpus again and write corpus.json")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", action="append", help="program ids (or parts of them) to run or select")
    ap.add_argument("--sample", type=int, metavar="N", help="run the programs of every N-th source only")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI sample")
    ap.add_argument("--control", action="store_true", help="also run the unmutated programs")
    ap.add_argument("--corpus", default=CORPUS_FILE, help="the corpus file to write or read")
    ap.add_argument("--report", default=os.path.join(RESULTS, "mutation-report.txt"))
    ap.add_argument("--summary", default=os.path.join(RESULTS, "mutation-summary.json"))
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args()
    timer_slack()
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    start = time.monotonic()
    if args.select:
        data = select(args.jobs, log, args.only)
        with open(args.corpus, "w") as f:
            f.write(corpus_json(data))
        log(f"{args.corpus}: {len(data['programs'])} programs kept, {len(data['excluded'])} left out "
            f"({time.monotonic() - start:.0f} s)")
        return
    with open(args.corpus) as f:
        data = json.load(f)
    programs = data["programs"]
    if args.only:
        programs = [p for p in programs if any(o in p["id"] for o in args.only)]
    if args.sample:
        keep = {(k, s) for k, s, _ in group(programs)[:: args.sample]}
        programs = [p for p in programs if (p["kind"], p["source"]) in keep]
    if args.no_cli:
        programs = [{**p, "cli": False} for p in programs]
    workdir = tempfile.mkdtemp(prefix="pyrun-mutation-")
    try:
        records = test(programs, args.jobs, workdir, args.control, log)
    finally:
        if os.environ.get("PYRUN_MUTATION_KEEP"):
            log(f"programs kept in {workdir} (PYRUN_MUTATION_KEEP)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = summarise(records, programs, time.monotonic() - start)
    text = report(records, programs, data, summary)
    os.makedirs(os.path.dirname(args.report), exist_ok=True)
    with open(args.report, "w") as f:
        f.write(text)
    with open(args.summary, "w") as f:
        json.dump({**summary, "records": records}, f, indent=1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

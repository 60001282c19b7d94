# flow: library functions that call back colored code are replayed: json.dumps default, json.loads hooks, re.sub/subn and a pattern's sub/subn, heapq.nsmallest/nlargest and bisect keys, insort, an error from a hook
import time, json, re, heapq, bisect
def slow(x): time.sleep(0); return x
print(json.dumps({1: {1,2}}, default=lambda o: slow(sorted(o))))
print(json.loads('{"a": 1.5, "b": [2]}', object_hook=lambda d: slow(dict(d, c=3)), parse_float=lambda s: slow(float(s) * 2)))
print(json.loads('[[1, 2]]', object_pairs_hook=lambda p: slow(p)))
print(re.sub(r"\d", lambda m: slow(str(int(m.group()) + 1)), "a1b2"), re.subn(r"[a-z]", lambda m: slow(m.group().upper()), "ab1"))
pat = re.compile(r"(\w)(\d)")
print(pat.sub(lambda m: slow(m.group(2) + m.group(1)), "a1 b2 c3"), pat.subn(lambda m: slow("#"), "x1y2", count=1))
def swap(m):
    time.sleep(0)
    return m.group(2) + m.group(1)
def fix(text):
    return pat.sub(swap, text)
print(fix("q9 r8"))
print(heapq.nsmallest(2, [3, 1, 2], key=lambda v: slow(-v)), heapq.nlargest(2, ["bb", "a", "ccc"], key=lambda s: slow(len(s))))
xs = [10, 20, 30]
print(bisect.bisect(xs, 20, key=lambda v: slow(v)), bisect.bisect_left(xs, 20, key=lambda v: slow(v)), bisect.bisect_right(xs, 25, key=slow))
bisect.insort(xs, 25, key=lambda v: slow(v)); bisect.insort_left(xs, 5, key=slow); print(xs)
try:
    json.dumps({1: object()}, default=lambda o: slow(1) / 0)
except ZeroDivisionError as e:
    print("error from the hook:", e)
print(re.sub("x", "y", "xx"), json.dumps([1]))

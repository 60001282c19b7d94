# flow: sys.settrace and sys.setprofile of a program whose functions block: they see the program's calls, returns and lines as CPython gives them, not the event loop's frames, pyrun's helpers or the waits; sys.gettrace gives the program's function back
import sys, time


def helper(x):
    time.sleep(0)
    y = x * 2
    return y


def numbers(n):
    for i in range(n):
        time.sleep(0)
        yield i


def decorate(f):
    f.decorated = True
    return f


def main():
    @decorate
    def inner():
        return helper(1)

    total = helper(2) + inner()
    for v in numbers(2):
        total += v
    return total


events = []


def tracer(frame, event, arg):
    # (a generator that blocks gives its yields to a trace function wrapped)
    value = None if event != "return" or frame.f_code.co_name == "numbers" else type(arg).__name__ if callable(arg) else arg
    events.append((event, frame.f_code.co_name, frame.f_lineno, value))
    return tracer


sys.settrace(tracer)
print("gettrace is the program's:", sys.gettrace() is tracer)
result = main()
sys.settrace(None)
print("result", result, "gettrace after:", sys.gettrace())
for e in events:
    print(*e)

calls = []


def profiler(frame, event, arg):
    if event.startswith("c_"):
        calls.append((event, getattr(arg, "__name__", "?")))
    else:
        calls.append((event, frame.f_code.co_name))


sys.setprofile(profiler)
main()
sys.setprofile(None)
print("getprofile is", sys.getprofile())
for c in calls:
    print(*c)

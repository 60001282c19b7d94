# flow: eval()/exec() of source whose value is a coroutine (or that makes one) gives the coroutine, unawaited, while source that blocks is awaited
import asyncio, inspect, time, warnings


async def fetch(x):
    await asyncio.sleep(0)
    return f"fetched {x}"


def slow(x):
    time.sleep(0)
    return x * 2


def check(expr):
    value = eval(expr)
    print(expr, "->", type(value).__name__, inspect.iscoroutine(value))
    return value


c = check("fetch(1)")
print(asyncio.run(c))
print(check("slow(21)"))
ns = {"fetch": fetch}
exec("pending = fetch(2)\nprint('made', type(pending).__name__)", ns)
print(asyncio.run(ns["pending"]))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    dropped = eval("fetch(3)")
    print(inspect.iscoroutine(dropped))
    dropped.close()
print(eval("[slow(i) for i in range(3)]"))

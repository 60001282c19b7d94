# pyrun-only: tasks created at top level outlive the script's code, as on a page or in Node
# Tasks still running when the main code ends are finished before pyrun
# exits, and before atexit handlers run.
import asyncio
import atexit
import time

atexit.register(print, "atexit: after every task")


async def worker(name, delay):
    for i in range(2):
        await asyncio.sleep(delay)
        print(f"{name}: step {i}")
    if name == "spawner":
        asyncio.ensure_future(worker("spawned", 0.01))


def slow_count():
    time.sleep(0.05)
    print("slow_count: done")


async def counter():
    slow_count()


asyncio.ensure_future(worker("spawner", 0.1))
asyncio.ensure_future(counter())
print("main: code done")

# pyrun-only: a module with top-level await is a SyntaxError for CPython
# A module whose body awaits at top level is imported like any other: its
# importer waits for the body, and other tasks run meanwhile.
import asyncio

ticks = []


async def ticker():
    while True:
        ticks.append(len(ticks))
        await asyncio.sleep(0.01)


task = asyncio.ensure_future(ticker())
import config  # noqa: E402

print("main: config loaded:", config.SETTINGS)
print("main: the ticker ran while config loaded:", len(ticks) > 1)
task.cancel()

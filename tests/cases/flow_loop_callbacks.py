# flow: loop.call_soon / call_later / call_at / call_soon_threadsafe given a callback that blocks: it runs (as a task of the loop), with its arguments; a cancelled handle never runs
import asyncio, time

events = []


def tick(name, out=events):
    time.sleep(0.01)
    out.append(name)
    print("tick", name, flush=True)


def plain(name):
    events.append(name)


async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(tick, "soon")
    loop.call_later(0.05, tick, "later")
    loop.call_at(loop.time() + 0.1, tick, "at")
    loop.call_soon_threadsafe(tick, "threadsafe")
    handle = loop.call_later(0.02, tick, "cancelled")
    handle.cancel()
    loop.call_soon(plain, "plain")
    await asyncio.sleep(0.3)
    print(sorted(events), handle.cancelled())


asyncio.run(main())

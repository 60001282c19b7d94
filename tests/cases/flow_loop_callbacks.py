# flow: loop.call_soon / call_later / call_at / call_soon_threadsafe given a callback that blocks: it runs (as a task of the loop), with its arguments; a cancelled handle never runs (the waits differ enough that the order is CPython's, where each callback blocks the loop)
import asyncio, time

events = []


def tick(name, delay=0.01, out=events):
    time.sleep(delay)
    out.append(name)
    print("tick", name, flush=True)


def plain(name):
    events.append(name)


async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(tick, "soon")
    loop.call_later(0.06, tick, "later")
    loop.call_at(loop.time() + 0.12, tick, "at")
    loop.call_soon_threadsafe(tick, "threadsafe", 0.03)
    handle = loop.call_later(0.02, tick, "cancelled")
    handle.cancel()
    loop.call_soon(plain, "plain")
    await asyncio.sleep(0.3)
    print(sorted(events), handle.cancelled())


asyncio.run(main())

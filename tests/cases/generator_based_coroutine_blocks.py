# flow: a generator-based coroutine (@types.coroutine) whose body blocks stays a generator: its yields still go to whoever awaits or drives it
import asyncio
import time
import types


@types.coroutine
def ticks(n):
    time.sleep(0.01)
    for i in range(n):
        yield
    return n


async def main():
    got = await ticks(3)
    print("awaited", got)


coro = main()
sent = 0
try:
    while True:
        coro.send(None)
        sent += 1
except StopIteration:
    pass
print("driven by hand: yielded", sent, "times")
asyncio.run(main())

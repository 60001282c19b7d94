# strict mode: pyrun.BlockingError where nothing can await (.strict.out)
import asyncio
import time

def work(x):
    time.sleep(0.01)
    return x * 2

async def main():
    doubled = await asyncio.to_thread(work, 21)
    print("doubled", doubled)

asyncio.run(main())

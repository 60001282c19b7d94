# asyncio.to_thread of a function that blocks: a task on the one loop
import asyncio
import time

def work(x):
    time.sleep(0.01)
    return x * 2

async def main():
    doubled = await asyncio.to_thread(work, 21)
    print("doubled", doubled)

asyncio.run(main())

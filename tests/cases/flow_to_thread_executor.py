# flow: asyncio.to_thread and run_in_executor with a blocking function
import asyncio
import time

def work(x):
    time.sleep(0.01)
    return x * 2

async def main():
    loop = asyncio.get_running_loop()
    a = await asyncio.to_thread(work, 1)
    b = await loop.run_in_executor(None, work, 2)
    print(a, b)

asyncio.run(main())

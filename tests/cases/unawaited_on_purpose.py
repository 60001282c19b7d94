import asyncio
import time

async def job(name):
    await asyncio.sleep(0.01)
    return name

async def main():
    task = asyncio.create_task(job("task"))
    pending = job("pending")
    both = asyncio.gather(job("a"), job("b"))
    print(type(pending).__name__)
    print(await task, await pending, await both)

def helper():
    time.sleep(0.001)
    return "helper"

asyncio.run(main())
print(helper())

import asyncio

async def work(name, delay):
    await asyncio.sleep(delay)
    return name

async def main():
    return await asyncio.gather(work("a", 0.03), work("b", 0.01), work("c", 0.02))

print(asyncio.run(main()))

import asyncio

async def compute(x):
    await asyncio.sleep(0.01)
    return x * 10

def sync_entry(x):
    return asyncio.run(compute(x))

print([sync_entry(i) for i in range(3)])
print(asyncio.run(compute(7)))

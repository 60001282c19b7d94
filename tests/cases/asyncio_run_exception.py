import asyncio

async def fail():
    await asyncio.sleep(0)
    raise ValueError("inner failure")
try:
    asyncio.run(fail())
except ValueError as e:
    print("caught:", e)
try:
    asyncio.run(42)
except ValueError as e:
    print("not a coroutine:", type(e).__name__)

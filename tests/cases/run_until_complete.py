import asyncio

async def answer():
    await asyncio.sleep(0.01)
    return 42

loop = asyncio.get_event_loop()
print(loop.run_until_complete(answer()))

def again():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(answer())
    finally:
        loop.close()

print(again() + 1)

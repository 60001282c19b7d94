import asyncio

async def background():
    try:
        await asyncio.sleep(10)
        print("never")
    except asyncio.CancelledError:
        print("background cancelled at asyncio.run's end")
        raise

async def main():
    asyncio.create_task(background())
    await asyncio.sleep(0.01)
    return "main done"

def go():
    print("go")
    return asyncio.run(main())

print(go())
print("after")

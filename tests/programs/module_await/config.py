import asyncio


async def fetch_settings():
    await asyncio.sleep(0.1)
    return {"debug": True}


print("config: fetching")
SETTINGS = await fetch_settings()
print("config: fetched")

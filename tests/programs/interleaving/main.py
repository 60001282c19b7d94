# pyrun-only: a task created at top level needs the running loop pyrun provides
# The case from "AST Black Magic": a task created at top level starts and
# runs while the main code sleeps, so its first line comes before the
# sleep returns.
import asyncio
import time


async def timer():
    print("timer: started")
    for i in range(3):
        await asyncio.sleep(0.2)
        print("timer: tick", i)


asyncio.create_task(timer())
print("main: sleeping")
time.sleep(1)
print("main: slept")

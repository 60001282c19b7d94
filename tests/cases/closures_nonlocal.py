import time

def counter():
    count = 0

    def step():
        time.sleep(0.01)

    def tick():
        nonlocal count
        step()
        count += 1
        return count

    tick()
    tick()
    return tick()

print("count", counter())

import time

# A lambda that is a generator, in a function that blocks: lifted to an
# async generator, which cannot return its value (found by the fuzzer).
def pause(n):
    ticks = lambda: (yield time.sleep(0))
    ticks()
    time.sleep(n)
    return n

print("paused", pause(0.01))
print("done")

import time

def pause(n):
    time.sleep(n)
    return n

print("paused", pause(0.01))
time.sleep(0.01)
print("done")

import time


def compute():
    time.sleep(0.02)
    return 42


print("calls_colored: computing")
value = compute()
print("calls_colored: done")

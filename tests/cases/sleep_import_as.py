import time as t

def wait():
    t.sleep(0.01)
    print("waited")

wait()

import time

def parse(value):
    time.sleep(0.001)
    return int(value)

def load(values):
    return [parse(v) for v in values]

print(load(["1", "2"]))
load(["3", "x"])

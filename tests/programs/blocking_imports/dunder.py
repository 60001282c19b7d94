import time as t

t.sleep(0.01)
NAME = "dunder"
print("dunder: loaded")

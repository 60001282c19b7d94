from time import *
start = monotonic()
sleep(0.02)
print("elapsed enough:", monotonic() - start >= 0.02)

import time

print("slow_body: sleeping")
time.sleep(0.05)
READY = True
print("slow_body: done")

import time

print("app: importing")
time.sleep(0.01)

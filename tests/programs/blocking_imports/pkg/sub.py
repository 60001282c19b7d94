import time

time.sleep(0.01)
NAME = "pkg.sub"
print("pkg.sub: loaded")

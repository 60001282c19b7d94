# pyrun-only
import time

class Config:
    print("building Config")
    time.sleep(0.01)
    value = 1

print(Config.value)

# strict mode: pyrun.BlockingError where nothing can await (.strict.out)
import time

class Config:
    print("building Config")
    time.sleep(0.01)
    value = 1

print(Config.value)

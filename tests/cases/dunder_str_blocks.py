# strict mode: pyrun.BlockingError where nothing can await (.strict.out)
import time

class Temperature:
    def __str__(self):
        time.sleep(0.01)
        return "21C"

t = Temperature()
print("before")
print(t)

# flow: print() of an object whose __str__ blocks: awaited, also in strict mode
import time

class Temperature:
    def __str__(self):
        time.sleep(0.01)
        return "21C"

t = Temperature()
print("before")
print(t)

# flow: a __str__ that blocks only for some objects: print() awaits it, in strict mode too
import time

# A special method that blocks only on some calls: print() awaits it
# whenever it is called (runtime/aio/stringify.c).
class A:
    def __init__(self, slow):
        self.slow = slow

    def __str__(self):
        if self.slow:
            time.sleep(0.01)
        return "A"

print(A(False))
print(A(True))

# strict mode: pyrun.BlockingError where nothing can await (.strict.out)
import time

# A special method that blocks only on some calls: called by print(),
# where nothing can await, it runs anyway (issue 16).
class A:
    def __init__(self, slow):
        self.slow = slow

    def __str__(self):
        if self.slow:
            time.sleep(0.01)
        return "A"

print(A(False))
print(A(True))

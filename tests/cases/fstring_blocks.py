# flow: f-string fields ({x}, {x!r}, {x!s}, {x!a}, {x:spec}, nested specs) of objects whose __str__, __repr__ or __format__ blocks
import time

class Temp:
    def __init__(self, c):
        self.c = c
    def __str__(self):
        time.sleep(0.001)
        return f"{self.c}C"
    def __repr__(self):
        time.sleep(0.001)
        return f"Temp({self.c!r})"
    def __format__(self, spec):
        time.sleep(0.001)
        return format(str(self), spec)

def report(t, width):
    print(f"now {t}, was {t!r}, padded [{t:>{width}}] [{t!s:<6}] {t!a}")
    lines = [f"{x}" for x in (Temp(1), Temp(2))]
    print(lines, f"{'plain'} {3:03d}")

report(Temp(21), 8)
print(f"{Temp('é')!a}")

class Loud:
    def __str__(self):
        time.sleep(0)
        print("(str runs)")
        return "loud"

# print writes each argument as it is made, as CPython's print does
print("first", Loud(), "last")
print(f"{'only literals'}")

# flow: print, str, repr, ascii, format, f-strings and container reprs of objects whose __str__, __repr__ or __format__ blocks
import time

class Temp:
    def __init__(self, c):
        self.c = c
    def __repr__(self):
        time.sleep(0.001)
        return f"Temp({self.c})"

class Named:
    def __str__(self):
        time.sleep(0.001)
        return "named"
    def __format__(self, spec):
        time.sleep(0.001)
        return "fmt[" + spec + "]"

def show(items):
    print("items:", items, sep=" = ", end="!\n")
    print(str(items[0]), repr(items[1]), ascii(Temp("é")))
    print([items, (items[0],), {"k": items[1]}, {Temp(9)}, frozenset(), set()])
    loop = [items[0]]
    loop.append(loop)
    print(loop)
    print(format(Named(), "x>5"), format(Named()), str(Named()), Named())
    print(list(map(str, items)), sorted(items, key=repr))

show([Temp(1), Temp(2)])
try:
    format(Temp(3), "5")
except TypeError as e:
    print("TypeError:", e)
class Bad:
    def __str__(self):
        time.sleep(0)
        return 5
try:
    print(Bad())
except TypeError as e:
    print("TypeError:", e)

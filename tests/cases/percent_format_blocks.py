# flow: "..." % values of objects whose __str__ or __repr__ blocks: %s, %r, %a, widths, precisions, *, named keys (one key taken twice), %%, and errors as str's % raises them
import time

class Coin:
    def __init__(self, side):
        self.side = side
    def __str__(self):
        time.sleep(0)
        return self.side
    def __repr__(self):
        time.sleep(0)
        return f"Coin({self.side!r})"

def toss(c, n):
    print("%s after %d tosses" % (c, n))
    print("[%8s] [%-8r] [%.3s] [%*s] %%" % (c, c, c, 6, c))
    print("%(coin)s is %(coin)r, %(n)03d" % {"coin": c, "n": n})
    print("%s" % c, "%r" % (c,), "%a" % Coin("é"))
    print("%s" % [c, c])
    print("%s" % {"k": c})
    print("plain %d%%" % 50)

toss(Coin("heads"), 3)

def errors():
    tries = [
        lambda: "%s %s" % (Coin("x"),),
        lambda: "%s" % (Coin("a"), Coin("b")),
        lambda: "%(k)s" % {"j": Coin("y")},
        lambda: "%q" % (Coin("z"),),
    ]
    for attempt in tries:
        try:
            print(attempt())
        except (TypeError, KeyError, ValueError) as e:
            print(type(e).__name__, e)

errors()

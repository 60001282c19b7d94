# flow: "...".format(...) of objects whose __str__, __repr__ or __format__ blocks: automatic and manual numbering, names, attributes and items, conversions and specs, and errors as str.format raises them
import time

class Money:
    def __init__(self, cents):
        self.cents = cents
        self.parts = {"euros": cents // 100}
    def __str__(self):
        time.sleep(0)
        return f"{self.cents / 100:.2f} EUR"
    def __repr__(self):
        time.sleep(0)
        return f"Money({self.cents})"
    def __format__(self, spec):
        time.sleep(0)
        return format(str(self), spec)

def bill(total, tip):
    print("total {} and tip {}".format(total, tip))
    print("{1} then {0}, {0!r} {1!s:>12}|".format(total, tip))
    print("{t:*^16} {t.cents} {t.parts[euros]} {{literal}}".format(t=total))
    print("{!a} {}".format(Money(7), "plain"))
    print("nothing to format".format(), "{}".format(3))

bill(Money(1250), Money(150))

def errors():
    tries = [
        lambda: "{} {}".format(Money(1)),
        lambda: "{0} {}".format(Money(1), Money(2)),
        lambda: "{missing}".format(here=Money(1)),
        lambda: "{0!x}".format(Money(1)),
        lambda: "{0} {".format(Money(1)),
    ]
    for attempt in tries:
        try:
            print(attempt())
        except (IndexError, ValueError, KeyError) as e:
            print(type(e).__name__, e)

errors()

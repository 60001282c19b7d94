# flow: augmented assignment to an attribute or an item (obj.attr += v, d[k] *= v, nested targets) whose operator blocks, evaluated once and in CPython's order
import time

log = []


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __iadd__(self, other):
        time.sleep(0)
        log.append(f"iadd {self.cents}+{other.cents}")
        return Money(self.cents + other.cents)

    def __mul__(self, k):
        time.sleep(0)
        log.append(f"mul {self.cents}*{k}")
        return Money(self.cents * k)

    def __repr__(self):
        return f"Money({self.cents})"


class Account:
    def __init__(self):
        self.balance = Money(0)
        self.history = {"in": Money(0)}


def owner(acct):
    log.append("owner")
    return acct


def key(k):
    log.append(f"key {k}")
    return k


def amount(c):
    log.append(f"amount {c}")
    return Money(c)


class Ledger:
    def __init__(self):
        self.data = {}

    def __getitem__(self, k):
        log.append(f"get {k}")
        return self.data[k]

    def __setitem__(self, k, v):
        log.append(f"set {k}")
        self.data[k] = v


def main():
    a = Account()
    a.balance += Money(5)
    owner(a).balance += amount(7)
    a.history["in"] += Money(3)
    owner(a).history[key("in")] *= 2
    book = Ledger()
    book["total"] = Money(1)
    book[key("total")] += amount(4)
    rows = [[Money(1)], [Money(2)]]
    rows[1][0] *= 3
    print(a.balance, a.history, book.data, rows)
    print("\n".join(log))
    print(sorted(k for k in locals() if k.startswith("_")))


main()
acct = Account()
acct.balance += Money(9)
print(acct.balance, [k for k in globals() if k.startswith("__pyrun")])

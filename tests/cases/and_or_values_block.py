# flow: `and`/`or` as values (x = a or b, return a and b, arguments, comprehension values) whose operands' __bool__ or __len__ block: each operand tested once, the interpreter's operand given back; tests (if, while, not) keep testing each operand once
import time

log = []


class Basket:
    def __init__(self, name, items):
        self.name, self.items = name, items

    def __len__(self):
        time.sleep(0)
        log.append(f"len {self.name}")
        return len(self.items)

    def __repr__(self):
        return f"Basket({self.name})"


class Flag:
    def __init__(self, on):
        self.on = on

    def __bool__(self):
        time.sleep(0)
        log.append(f"bool {self.on}")
        return self.on

    def __repr__(self):
        return f"Flag({self.on})"


def pick(primary, fallback):
    return primary or fallback


def both(a, b):
    return a and b


def main():
    empty, full = Basket("empty", []), Basket("full", [1, 2])
    print(pick(empty, full), pick(full, empty), both(empty, full), both(full, empty))
    chosen = empty or Flag(False) or full
    print(chosen)
    print([b or "none" for b in (empty, full)])
    print(str(Flag(True) and Flag(False)), len([x for x in (empty, full) if x or None]))
    if not (empty or Flag(False)):
        print("neither")
    while Flag(False) or empty:
        break
    print(1 or 2, 0 and 3, [] or {})
    print("\n".join(log))


main()

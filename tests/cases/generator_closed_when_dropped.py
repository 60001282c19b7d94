# flow: a colored generator left suspended is closed (its finally runs) when it is dropped, at once, as CPython closes a generator: after break, del, a reassigned name, at module level and inside functions
import time


def lines(tag):
    try:
        time.sleep(0)
        yield f"{tag} 1"
        yield f"{tag} 2"
    finally:
        print("closed", tag)


def first(tag):
    for line in lines(tag):
        return line


def main():
    for line in lines("loop"):
        print(line)
        break
    print("after break")
    g = lines("del")
    print(next(g))
    del g
    print("after del")
    g = lines("rebound")
    print(next(g))
    g = None
    print("after rebinding")
    print(first("return"))
    print("after return")


main()
for line in lines("top"):
    print(line)
    break
print("after top-level break")

# flow: chained comparisons (lo <= x < hi, a == b == c) whose special methods block: each comparison awaited, later operands evaluated only when the chain goes on, the first false result or the last one given back
import time

calls = []


class Version:
    def __init__(self, *parts):
        self.parts = parts

    def __lt__(self, other):
        time.sleep(0)
        calls.append(f"{self} < {other}")
        return self.parts < other.parts

    def __le__(self, other):
        time.sleep(0)
        calls.append(f"{self} <= {other}")
        return self.parts <= other.parts

    def __eq__(self, other):
        time.sleep(0)
        calls.append(f"{self} == {other}")
        return self.parts == other.parts

    def __repr__(self):
        return ".".join(map(str, self.parts))


def newest():
    calls.append("newest()")
    return Version(4, 0)


def supported(v, lo=Version(1, 0), hi=Version(3, 0)):
    return lo <= v < hi


def main():
    v = Version(2, 1)
    print(supported(v), supported(Version(3, 0)), supported(Version(0, 9)))
    oldest = Version(1, 0)
    print(oldest < v < newest())
    print(v < oldest < newest())
    same = Version(2, 1)
    print(v == same == Version(2, 1), v == same != Version(9))
    print([x for x in (Version(0, 1), Version(1, 5), Version(2, 9)) if oldest <= x < v])
    print(1 < 2 < 3, 3 > 2 > 5)
    print("\n".join(calls))


main()

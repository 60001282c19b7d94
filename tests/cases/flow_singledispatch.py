# flow: functools.singledispatch and singledispatchmethod whose implementations block (the base or only a registered one), registered by annotation, by class and by call, introspected
import functools, time, types
from collections import abc


@functools.singledispatch
def describe(x):
    return f"thing {x!r}"


@describe.register
def _(x: int):
    time.sleep(0)
    return f"int {x}"


@describe.register(list)
@describe.register(tuple)
def _(x):
    time.sleep(0)
    return f"sequence of {len(x)}: " + ", ".join(describe(v) for v in x)


def fmt_float(x):
    time.sleep(0)
    return f"float {x:.2f}"


describe.register(float, fmt_float)

print(describe("a"), "|", describe(3), "|", describe([1, 2.5, "z"]), "|", describe((1,)))
print(describe.__name__, isinstance(describe, types.FunctionType), sorted(c.__name__ for c in describe.registry))
print(describe.dispatch(bool) is describe.dispatch(int), describe.dispatch(str).__name__)
print(list(map(describe, [1, "b"])), sorted([3, 1, 2], key=lambda v: describe(v)))


@functools.singledispatch
def area(shape):
    time.sleep(0)
    raise TypeError(f"no area for {type(shape).__name__}")


@area.register(abc.Sequence)
def _(shape):
    return sum(shape)


try:
    area(object())
except TypeError as e:
    print("TypeError:", e)
print(area([1, 2, 3]))


class Negator:
    @functools.singledispatchmethod
    def neg(self, arg):
        "Negate arg."
        time.sleep(0)
        raise NotImplementedError("Cannot negate a")

    @neg.register
    def _(self, arg: int):
        time.sleep(0)
        return -arg

    @neg.register
    def _(self, arg: bool):
        return not arg

    @functools.singledispatchmethod
    @classmethod
    def make(cls, arg):
        time.sleep(0)
        return f"{cls.__name__} from {arg!r}"

    @make.register
    @classmethod
    def _(cls, arg: int):
        time.sleep(0)
        return f"{cls.__name__} from the number {arg}"


n = Negator()
print(n.neg(5), n.neg(True), Negator.make("x"), Negator.make(7), n.make(8))
print(n.neg.__name__, Negator.neg.__doc__, Negator.neg.register is not None, Negator.__dict__["neg"].func.__name__)
try:
    n.neg("s")
except NotImplementedError as e:
    print("NotImplementedError:", e)
try:
    describe()
except TypeError as e:
    print("TypeError:", e)

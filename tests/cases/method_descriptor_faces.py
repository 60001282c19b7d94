# flow: a colored function, and a colored function under lru_cache, are method descriptors as CPython's are (type flag, calls through the instance and the class), so the interpreter calls them unbound
import functools
import time

METHOD_DESCRIPTOR = 1 << 17


class Shape:
    def __init__(self, side):
        self.side = side

    def area(self):
        time.sleep(0)
        return self.side * self.side

    @functools.lru_cache(maxsize=None)
    def perimeter(self):
        time.sleep(0)
        return 4 * self.side

    def __eq__(self, other):
        time.sleep(0)
        return self.area() == other.area()

    __hash__ = object.__hash__


s = Shape(3)
for name in ("area", "perimeter", "__eq__"):
    attr = Shape.__dict__[name]
    print(name, bool(type(attr).__flags__ & METHOD_DESCRIPTOR))
print(s.area(), Shape.area(s), s.perimeter(), Shape.perimeter(s), s.perimeter.__self__ is s)
print(s == Shape(3), s != Shape(3), s == Shape(2))
print(Shape.area.__qualname__, s.area.__func__ is Shape.area)

# flow: stores and deletes through a property whose setter or deleter blocks (decorator and property(fget, fset, fdel) forms, inherited, set in __init__) are awaited, the value evaluated before the object as CPython does; a property without a setter raises CPython's AttributeError
import time


class Temperature:
    def __init__(self, celsius):
        self.celsius = celsius  # through the setter

    @property
    def celsius(self):
        return self._celsius

    @celsius.setter
    def celsius(self, value):
        time.sleep(0.001)
        print("  set celsius", value)
        self._celsius = value

    @celsius.deleter
    def celsius(self):
        time.sleep(0.001)
        print("  deleted celsius")
        del self._celsius

    @property
    def kelvin(self):
        return self._celsius + 273.15


class Outdoor(Temperature):
    pass


def get_wind(self):
    return self._wind


def set_wind(self, v):
    time.sleep(0.001)
    self._wind = max(0, v)


Temperature.wind = property(get_wind, set_wind)


def trace(tag, v):
    print("  evaluated", tag)
    return v


def main():
    t = Temperature(20)
    t.celsius = 25
    print(t.celsius, t.kelvin)
    trace("object", t).celsius = trace("value", 30)
    o = Outdoor(-5)
    for step in range(3):
        o.celsius = o.celsius + step
    print(o.celsius)
    o.wind = -3
    print("wind", o.wind)
    del o.celsius
    print(hasattr(o, "_celsius"))
    try:
        o.kelvin = 0
    except AttributeError as e:
        print("AttributeError:", e)


main()

# flow: functools.cached_property over a blocking getter: computed once, kept in __dict__
import functools, time
class A:
    @functools.cached_property
    def x(self):
        time.sleep(0)
        print("computing")
        return 42
a = A()
print(a.x, a.x, a.__dict__)

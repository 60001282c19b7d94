# flow: a colored method once bound is a method, not a function: type() says so, and classmethod() or staticmethod() of it binds as CPython binds a bound method
import time, types

class A:
    def foo(self, *args):
        time.sleep(0)
        return ("foo", [getattr(a, "__name__", a) for a in args])

    @classmethod
    def make(cls):
        time.sleep(0)
        return cls.__name__

a = A()
print(type(a.foo).__name__, type(A.foo).__name__, type(A.make).__name__)
print(isinstance(a.foo, types.MethodType), isinstance(A.foo, types.FunctionType))

class B:
    bar = classmethod(a.foo)
    baz = staticmethod(a.foo)
    kept = a.foo

print(B.bar(1))
print(B.baz(2))
print(B().kept(3))
print(B.bar.__self__ is B, B.kept.__self__ is a)

# flow: != answered by object.__ne__ through an __eq__ that blocks on either side, negated, with a plain __eq__ on the other
import time
class A:
    def __init__(s, v): s.v = v
    def __eq__(s, o): return isinstance(o, (A, B)) and s.v == o.v
class B:
    def __init__(s, v): s.v = v
    def __eq__(s, o):
        time.sleep(0)
        return isinstance(o, (A, B)) and s.v == o.v
print(A(1) != B(1), A(1) != B(2), B(1) != A(1), B(1) != B(2), A(1) != A(1), B(3) != 3)

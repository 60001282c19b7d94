import time

# A blocking property read assigned to a name, then used (issue 10: the
# rewrite once freed the read's node while the analysis still pointed at it).
class B:
    @property
    def p(self):
        time.sleep(0)

r = B().p
print(r)

class Temperature:
    def __init__(self, celsius):
        self.celsius = celsius

    @property
    def fahrenheit(self):
        time.sleep(0.001)
        return self.celsius * 9 / 5 + 32

readings = [Temperature(c) for c in (0, 37, 100)]
hottest = max(readings, key=lambda t: t.celsius).fahrenheit
print(hottest)
f = readings[1].fahrenheit
print(f, f > 90)

import time

class Sensor:
    def __init__(self, name):
        time.sleep(0.01)
        self.name = name

    @property
    def value(self):
        time.sleep(0.01)
        return 42

    def __call__(self, scale):
        time.sleep(0.01)
        return self.value * scale

s = Sensor("temp")
print(s.name, s.value)
print(s(2))

class Fancy(Sensor):
    def __init__(self):
        super().__init__("fancy")
        print("fancy ready")

print(Fancy().name)

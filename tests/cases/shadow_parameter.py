import time

class FakeClock:
    def sleep(self, x):
        print("fake sleep", x)

def run(time):
    time.sleep(10)

run(FakeClock())

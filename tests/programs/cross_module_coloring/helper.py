import time


def pause():
    time.sleep(0.01)


def fetch(x):
    pause()
    return x * 10


class Worker:
    def run(self):
        return self.step() + 1

    def step(self):
        return 0


class Counter:
    def __init__(self):
        self.value = 0

    def bump(self):
        pause()
        self.value += 1
        return self

    @classmethod
    def create(cls, start):
        c = cls()
        for _ in range(start):
            c.bump()
        return c


def run_twice(worker):
    return [worker.run(), worker.run()]


def call_with(f, x):
    return f(x)

import time

class Source:
    def fetch(self):
        time.sleep(0.01)
        return 1

    def describe(self):
        return f"{type(self).__name__} gives {self.fetch()}"

    @classmethod
    def make(cls):
        return cls()

class Doubled(Source):
    def fetch(self):
        return super().fetch() * 2

class Constant(Source):
    def fetch(self):
        return 5

def total(sources):
    return sum(s.fetch() for s in sources)

items = [Source(), Doubled.make(), Constant()]
for s in items:
    print(s.describe())
print(total(items))
print(Source.fetch(items[0]))

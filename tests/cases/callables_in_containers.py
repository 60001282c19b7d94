import time

def slow(name):
    time.sleep(0.01)
    return f"slow {name}"

def fast(name):
    return f"fast {name}"

handlers = {"s": slow, "f": fast}
pipeline = [slow, fast, str.upper]

class Job:
    def __init__(self, callback):
        self.callback = callback

    def fire(self, arg):
        return self.callback(arg)

for key in "sf":
    print(handlers[key](key))
for step in pipeline:
    print(step("x"))
print(Job(slow).fire("job"), Job(fast).fire("job"))
apply = lambda f, v: f(v)
print(apply(slow, "apply"))

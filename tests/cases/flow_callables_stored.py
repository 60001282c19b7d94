# flow: colored functions kept in dicts, lists and class attributes, called from there
import time

def slow(x):
    time.sleep(0.001)
    return x + 1

def fast(x):
    return x - 1

table = {"slow": slow}
table["fast"] = fast

def register(name, fn, registry):
    registry[name] = fn

handlers = {}
register("s", slow, handlers)

def make_table():
    return {"s": slow}

funcs = [slow, fast]

class Hooks:
    hooks = [slow]
    log = staticmethod(slow)

    def fire(self, x):
        return [h(x) for h in self.hooks] + [self.log(x)]

print(table["slow"](1), table["fast"](1), handlers["s"](2), make_table()["s"](3), [f(4) for f in funcs])
print(Hooks().fire(5), Hooks.log(6))

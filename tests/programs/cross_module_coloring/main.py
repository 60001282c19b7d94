# Calls into another module's colored functions, methods and classes are
# awaited whichever way the program reaches them.
import helper
import helper as h
import shop
from helper import Worker, fetch
from shop import restock


class Slow(Worker):
    # Overrides a method the base class calls: Worker.run, in helper.py,
    # must wait for it.
    def step(self):
        helper.pause()
        return 41


class Fast(helper.Worker):
    pass


print("from-import:", fetch(1))
print("module attribute:", helper.fetch(2))
print("alias attribute:", h.fetch(3))
print("re-export through a package:", shop.restock("tea"), restock("milk"))
print("method of a class from another module:", helper.Counter().bump().bump().value)
print("subclass here of a class there:", Slow().run(), Fast().run())
print("subclass there of a class here is not possible; a base there calling back here:",
      helper.run_twice(Slow()))
print("callback passed across:", helper.call_with(fetch, 5))
print("class attribute access:", helper.Counter.create(7).value)

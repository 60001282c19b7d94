# flow: a class reached through an attribute (self._Node, module.Class) whose __init__ blocks
import time

class Tree:
    class _Node:
        def __init__(self, value):
            time.sleep(0.001)
            self.value = value

    def __init__(self):
        self.root = self._Node(1)

    def add(self, v):
        return self._Node(v)

t = Tree()
print(t.root.value, t.add(5).value, Tree._Node(7).value)

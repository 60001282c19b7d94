# flow: a method called on the value of a blocking property
import time

class Node:
    def __init__(self, parent=None):
        self._parent = parent
        self.angle = 0

    @property
    def parent(self):
        time.sleep(0.001)
        return self._parent

    def rotate(self):
        time.sleep(0.001)
        self.angle += 90
        return self.angle

root = Node()
child = Node(root)
print(child.parent.rotate(), root.angle)

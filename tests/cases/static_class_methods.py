import time

class Tool:
    @staticmethod
    def wait(x):
        time.sleep(0.01)
        return x

    @classmethod
    def build(cls, x):
        return cls.wait(x) + Tool.wait(1)

print(Tool.build(2), Tool().build(3), Tool.wait(4))

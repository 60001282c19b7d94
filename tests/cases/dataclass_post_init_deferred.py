# flow: dataclasses whose __post_init__ blocks, constructed in comprehensions, through map, with super().__post_init__() in a subclass, and raising
import time
from dataclasses import dataclass, field

@dataclass
class Part:
    name: str
    def __post_init__(self):
        time.sleep(0)
        print("part", self.name)

@dataclass
class Job:
    name: str
    parts: list = field(default_factory=lambda: ["default"])
    def __post_init__(self):
        time.sleep(0)
        print("job", self.name, len(self.parts))

@dataclass
class Special(Job):
    level: int = 1
    def __post_init__(self):
        super().__post_init__()
        time.sleep(0)
        print("special", self.level)

@dataclass
class Checked:
    n: int
    def __post_init__(self):
        time.sleep(0)
        if self.n < 0:
            raise ValueError(f"negative: {self.n}")

def build(names):
    return [Job(n) for n in names]

print(build(["a", "b"]))
print(Special("s", level=3))
print(list(map(Part, ["m1", "m2"])))
try:
    Checked(-1)
except ValueError as e:
    print("ValueError:", e)
print(Checked(2))

# flow: a dataclass whose __post_init__ blocks: its generated __init__ runs, then __post_init__ is awaited before the object is given
import time
from dataclasses import dataclass, field

@dataclass
class Job:
    name: str
    steps: list = field(default_factory=list)

    def __post_init__(self):
        time.sleep(0.01)
        self.steps.append("created " + self.name)

job = Job("backup")
print(job.steps)
print(job)

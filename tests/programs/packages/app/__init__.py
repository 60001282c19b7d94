import time

time.sleep(0.01)
VERSION = "1.0"
from .util import shout  # noqa: E402

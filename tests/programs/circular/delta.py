import time

time.sleep(0.01)
from gamma import LATER  # noqa: E402,F401

import time

time.sleep(0.01)
import delta  # noqa: E402,F401

LATER = 1

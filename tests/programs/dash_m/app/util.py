import time


def slow_upper(s):
    time.sleep(0.01)
    return s.upper()

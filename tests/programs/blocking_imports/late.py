import time

time.sleep(0.01)
NAME = "late"

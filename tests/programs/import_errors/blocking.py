import time

time.sleep(0.01)
VALUE = 1

import time
def run():
    time.sleep(0.001)
    return "alpha ran"

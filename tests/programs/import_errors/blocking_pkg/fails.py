import time

time.sleep(0.01)


def explode():
    return {}["no such key"]


explode()

import time

import alpha

print("beta: start, alpha has EARLY:", hasattr(alpha, "EARLY"), "LATE:", hasattr(alpha, "LATE"))
SEEN_EARLY = alpha.EARLY
time.sleep(0.01)


def greet():
    time.sleep(0.01)
    return "beta greets " + alpha.LATE


print("beta: end")

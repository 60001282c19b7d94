import time

print("alpha: start")
EARLY = "alpha-early"
time.sleep(0.01)
import beta  # noqa: E402

LATE = "alpha-late"
print("alpha: end")


def combined():
    return beta.greet() + " & " + LATE

from time import sleep, monotonic
from time import sleep as nap
sleep(0.01)
nap(0.01)
print("slept", monotonic() > 0)

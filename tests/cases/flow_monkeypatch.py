# flow: a blocking primitive rebound at run time: the call reaches what the name holds
import time

calls = []
def fake(s):
    calls.append(s)

time.sleep = fake
time.sleep(100)
from time import sleep
sleep(200)
print("fake got", calls)

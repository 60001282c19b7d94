# strict mode: pyrun.BlockingError where nothing can await (.strict.out)
import re
import time

def shout(match):
    time.sleep(0.01)
    return match.group().upper()

words = re.compile(r"[a-z]+")
print("start")
print(words.sub(shout, "hello world"))

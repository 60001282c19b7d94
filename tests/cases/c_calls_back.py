# strict mode: pyrun.BlockingError where nothing can await (.strict.out): a library calling back that pyrun does not replay
import itertools
import time

def initial(word):
    time.sleep(0.01)
    return word[0]

print("start")
print([(k, list(g)) for k, g in itertools.groupby(["apple", "avocado", "banana"], key=initial)])

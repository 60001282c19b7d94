# flow: Executor.map gives each result as its call completes, in order (a worker's prints and the loop's interleave as under CPython), every call submitted at once, the call that raised raising at its turn, timeout= a TimeoutError, results read after the with block
import time
from concurrent.futures import ThreadPoolExecutor
def work(n):
    print("start", n)
    time.sleep(0.05 * n)
    print("done", n)
    return n * n
with ThreadPoolExecutor(max_workers=4) as ex:
    for r in ex.map(work, [1, 2, 3]):
        print("result", r)
    try:
        for r in ex.map(time.sleep, [0.2, 0.2], timeout=0.05):
            print("slept", r)
    except TimeoutError as e:
        print("TimeoutError", repr(e))
    print(sorted(ex.map(lambda x: -x, range(4))))
    squares = ex.map(work, [1])
print("after with", list(squares))

# flow: concurrent.futures.as_completed gives futures as they complete (async items, with its timeout's TimeoutError), concurrent.futures.wait with FIRST_COMPLETED, ALL_COMPLETED and a timeout, over a ThreadPoolExecutor's threads on the one loop
import sys, time
from concurrent.futures import ThreadPoolExecutor, as_completed, wait, FIRST_COMPLETED, ALL_COMPLETED

def say(*a):
    sys.stdout.write(" ".join(map(str, a)) + "\n")

def job(n):
    time.sleep(n / 20)
    say("job", n, "ends")
    return n * 10

with ThreadPoolExecutor(max_workers=4) as ex:
    fs = {ex.submit(job, n): n for n in (3, 1, 2)}
    for f in as_completed(fs):
        say("completed", fs[f], f.result())
    more = [ex.submit(job, n) for n in (2, 1)]
    done, pending = wait(more, return_when=FIRST_COMPLETED)
    say("first:", sorted(f.result() for f in done), len(pending))
    done, pending = wait(more)
    say("all:", sorted(f.result() for f in done), len(pending))
    slow = ex.submit(job, 4)
    try:
        for f in as_completed([slow], timeout=0.05):
            pass
    except TimeoutError as e:
        say("TimeoutError:", e)
    done, pending = wait([slow], timeout=0.01)
    say("timed out:", len(done), len(pending))
